import Foundation
import Logging
import MeshStore
import OperatorAPI
import ProcessRuntime

/// Bounded growth of the state directory: every few seconds the loop rotates the output logs of the processes it
/// runs (and the operator's own log) past `LogRotation`'s bound, and measures the directory for `meshctl status`.
/// The proxies rotate their access logs themselves (`AccessLogWriter`).
extension ReconcileLoop {
    /// How often logs are looked at: a log grows by at most what its process writes in this long past the bound.
    static let logHousekeepingPeriod = 5.0

    /// For tests: the next full pass looks at the logs whatever the time.
    func makeLogHousekeepingDue() { lastLogHousekeeping = -.infinity }

    func keepLogsBounded(_ records: [StoredProcess]) {
        guard now - lastLogHousekeeping >= Self.logHousekeepingPeriod else { return }
        lastLogHousekeeping = now
        for path in Set(records.map(\.logPath) + [directory.operatorLogPath]) {
            if logRotation.rotateIfNeeded(path) {
                logger.info("rotated \(path) (past \(StateDirectoryUsage.bytes(Int64(logRotation.maxBytes))))")
            }
        }
        stateUsage = directory.usage()
    }
}
