extension RolloutState {
    /// After a promotion the stable side runs the new revision and takes all traffic; the new side (the canary, a
    /// blue-green preview) would run a second full-size copy of it with no traffic at all. It is scaled to zero
    /// until the next revision is applied to it (Flagger scales the canary to zero; Argo scales the old side down).
    /// Not after a failure or abort: then the new side keeps running for people to look at.
    public var newSideScaledDown: Bool { phase == .succeeded && stage == .idle }
}
