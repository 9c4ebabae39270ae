import GRDB

/// The operator's durable state; see the files beside this one.
public enum MeshStore {}
