import SidecarConfig

/// The HTTP/1.1 data plane; see the files beside this one.
public enum Sidecar {}
