import Foundation
import Manifests

/// Foundation's parsed JSON as a canonical tree (keys sorted), so `-o yaml` prints through the same emitter as
/// `validate -o yaml`.
enum JSONToCanonical {
    static func convert(_ value: Any) -> CanonicalValue {
        switch value {
        case let text as String: return .string(text)
        case let number as NSNumber:
            // Foundation boxes JSON true/false as NSNumber of Objective-C type "c" (char).
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            let double = number.doubleValue
            return double.rounded() == double && abs(double) < 1e15 ? .int(Int(double)) : .decimal(double)
        case let list as [Any]: return .list(list.map(convert))
        case let map as [String: Any]:
            return .map(map.keys.sorted().map { CanonicalValue.Field($0, convert(map[$0]!)) })
        default: return .string("")
        }
    }
}
