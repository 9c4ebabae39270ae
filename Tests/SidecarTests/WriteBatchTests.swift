import NIOCore
import NIOPosix
import Testing

@testable import Sidecar

/// `WriteBatch` on a real event loop, with fake writers: what is enqueued during a turn is flushed once, after it;
/// what a flush enqueues (a retry's head, sent while the batch is being worked through) is flushed in the next run,
/// never dropped; at most `maxWaiting` wait.
@Suite("Write batch")
struct WriteBatchTests {
    @Test("writers enqueued in a turn flush once at its end; one enqueued by a flush is flushed in the next run")
    func enqueuedDuringRunIsNotLost() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let flushes = try await loop.submit {
            let batch = WriteBatch(eventLoop: loop)
            let log = FlushLog()
            let late = FakeWriter(name: "late", log: log)
            let first = FakeWriter(name: "first", log: log) { batch.enqueue(late) }
            let second = FakeWriter(name: "second", log: log)
            batch.enqueue(first)
            batch.enqueue(second)
            log.names.append("turn ends")
            return log
        }.flatMap { log in
            // Two more turns: the batch's run, then the run its flush scheduled.
            loop.submit {}.flatMap { loop.submit {} }.flatMap { loop.submit { log.names } }
        }.get()
        #expect(flushes == ["turn ends", "first", "second", "late"])
        try await group.shutdownGracefully()
    }

    @Test("the writer that makes maxWaiting flushes them all at once; the next one waits for the end of the turn")
    func boundedBatch() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let limit = WriteBatch.maxWaiting
        let flushes = try await loop.submit {
            let batch = WriteBatch(eventLoop: loop)
            let log = FlushLog()
            for index in 0..<limit - 1 { batch.enqueue(FakeWriter(name: "w\(index)", log: log)) }
            log.names.append("\(limit - 1) waiting")
            batch.enqueue(FakeWriter(name: "w\(limit - 1)", log: log))
            log.names.append("\(limit) enqueued")
            batch.enqueue(FakeWriter(name: "next", log: log))
            log.names.append("turn ends")
            return log
        }.flatMap { log in
            loop.submit {}.flatMap { loop.submit { log.names } }
        }.get()
        let firstEight = (0..<limit).map { "w\($0)" }
        #expect(flushes == ["\(limit - 1) waiting"] + firstEight + ["\(limit) enqueued", "turn ends", "next"])
        try await group.shutdownGracefully()
    }
}

private final class FlushLog: @unchecked Sendable {
    var names: [String] = []
}

private final class FakeWriter: EndOfTurnFlushing {
    let name: String
    let log: FlushLog
    let onFlush: () -> Void

    init(name: String, log: FlushLog, onFlush: @escaping () -> Void = {}) {
        self.name = name
        self.log = log
        self.onFlush = onFlush
    }

    func flushAtEndOfTurn() {
        log.names.append(name)
        onFlush()
    }
}
