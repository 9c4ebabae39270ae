import Manifests

/// Desired world from manifests, observed world, plan, execute.
public enum Reconciler {}
