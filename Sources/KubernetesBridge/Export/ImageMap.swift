import Manifests

/// Service name → container image reference, read from a YAML mapping the user gives (`--image-map FILE`):
/// a meshctl Service runs a local command, a Kubernetes Deployment runs an image, and only the user knows which.
public struct ImageMap: Sendable, Hashable {
    public var images: [String: String]
    /// The file it was read from, for error messages.
    public var file: String?

    public init(images: [String: String] = [:], file: String? = nil) {
        self.images = images
        self.file = file
    }

    /// Reads `name: image` pairs; every problem is a diagnostic with its position.
    public static func load(bytes: [UInt8], file: String) -> (map: ImageMap, diagnostics: [Diagnostic]) {
        let result = YAMLLoader().load(bytes, file: file)
        var diagnostics = result.diagnostics
        var images: [String: String] = [:]
        for document in result.documents {
            guard let root = document.root else { continue }
            guard let pairs = root.mapping else {
                diagnostics.append(Diagnostic(
                    file: file, mark: root.mark,
                    message: "the image map must be a mapping of Service name to image, got \(root.kindName)"))
                continue
            }
            for pair in pairs {
                guard let name = pair.key.scalar?.text, let image = pair.value.scalar, !image.isNull,
                      !image.text.isEmpty
                else {
                    diagnostics.append(Diagnostic(
                        file: file, mark: pair.value.mark, path: pair.key.scalar?.text ?? "",
                        message: "expected an image reference (a string), got \(pair.value.kindName)"))
                    continue
                }
                images[name] = image.text
            }
        }
        return (ImageMap(images: images, file: file), diagnostics)
    }
}
