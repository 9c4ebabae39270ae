/// Draws for "this percentage of requests" (Istio's fault percentages, Gateway API's mirror percent): true for
/// `percentage` percent of draws, in steps of one in a million, so fractions like 0.1 work.
public enum Percentage {
    public static func drawn<R: RandomNumberGenerator>(_ percentage: Double, random: inout R) -> Bool {
        if percentage >= 100 { return true }
        if percentage <= 0 { return false }
        return random.next() % 100_000_000 < UInt64((percentage * 1_000_000).rounded())
    }
}
