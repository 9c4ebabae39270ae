/// RFC 1123 labels, the names Kubernetes gives objects: lower-case letters, digits and `-`, starting and ending with a
/// letter or digit, at most 63 characters.
enum DNSLabel {
    static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= 63 else { return false }
        for byte in bytes where !isAlphanumeric(byte) && byte != UInt8(ascii: "-") {
            return false
        }
        return isAlphanumeric(bytes.first!) && isAlphanumeric(bytes.last!)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
