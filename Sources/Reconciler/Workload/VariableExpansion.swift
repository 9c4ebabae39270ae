/// `$(VAR)` references in a workload's `command` and `env`, expanded with Kubernetes' rules
/// (k8s.io/kubernetes third_party/forked/golang/expansion):
/// - `$(NAME)` becomes the variable's value when `lookup` knows it, and stays as written when it does not;
/// - `$$` is one literal `$`, so `$$(NAME)` is the text `$(NAME)`;
/// - a `$` before anything else, and a `$(` without its `)`, stay as written.
/// No shell is involved: no `${NAME}`, no `$NAME`, no nesting.
public enum VariableExpansion {
    public static func expand(_ text: String, lookup: (String) -> String?) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let afterDollar = rest.index(after: dollar)
            guard afterDollar < rest.endIndex else {
                result += "$"
                rest = rest[afterDollar...]
                break
            }
            switch rest[afterDollar] {
            case "$":
                result += "$"
                rest = rest[rest.index(after: afterDollar)...]
            case "(":
                let nameStart = rest.index(after: afterDollar)
                guard let close = rest[nameStart...].firstIndex(of: ")") else {
                    result += rest[dollar...]  // unterminated: the rest stays as written
                    return result
                }
                let name = String(rest[nameStart..<close])
                result += (name.isEmpty ? nil : lookup(name)) ?? "$(\(name))"
                rest = rest[rest.index(after: close)...]
            default:
                result += "$"
                rest = rest[afterDollar...]
            }
        }
        result += rest
        return result
    }
}
