import Foundation

/// Times as people read them: a local time of day (`14:03:22`) and a duration (`2s`, `1m30s`, `2h5m`), never raw
/// epoch seconds. Machine output (`-o json`, stored timestamps) keeps RFC 3339; only text meant for eyes uses these.
public enum HumanTime {
    /// `HH:MM:SS` in the local time zone of `epochSeconds` (wall-clock seconds since 1970).
    public static func timeOfDay(_ epochSeconds: Double) -> String {
        timeOfDay(Date(timeIntervalSince1970: epochSeconds))
    }

    public static func timeOfDay(_ date: Date) -> String {
        let parts = Calendar.current.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// An RFC 3339 timestamp (as the API carries them) as a local time of day; the text itself if it is not one.
    public static func timeOfDay(rfc3339 text: String) -> String {
        guard let date = try? Date(text, strategy: .iso8601) else { return text }
        return timeOfDay(date)
    }

    /// Whole seconds, largest units first: `0s`, `45s`, `1m30s`, `2h5m` (seconds dropped past an hour).
    public static func duration(_ seconds: Double) -> String {
        let total = Int(max(seconds, 0).rounded(.up))
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        if hours > 0 { return "\(hours)h" + (minutes > 0 ? "\(minutes)m" : "") }
        if minutes > 0 { return "\(minutes)m" + (secs > 0 ? "\(secs)s" : "") }
        return "\(secs)s"
    }

    /// `14:03:22 (in 2s)`, or `14:03:22 (now)` once it has passed.
    public static func deadline(_ epochSeconds: Double, now: Double) -> String {
        let left = epochSeconds - now
        return timeOfDay(epochSeconds) + (left > 0.5 ? " (in \(duration(left)))" : " (now)")
    }
}
