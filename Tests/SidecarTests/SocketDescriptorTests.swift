import Testing

@testable import Sidecar

/// The descriptor number is read from NIO's channel description ("SocketChannel { BaseSocket { fd=12 }, …").
@Suite("Socket descriptor from a channel's description")
struct SocketDescriptorTests {
    @Test("the digits after the first fd= are the number")
    func readsTheNumber() {
        #expect(SocketDescriptor.number(afterFDIn: "SocketChannel { BaseSocket { fd=12 }, active = true }") == 12)
        #expect(SocketDescriptor.number(afterFDIn: "fd=0") == 0)
        #expect(SocketDescriptor.number(afterFDIn: "x fd=7 fd=9") == 7)
    }

    @Test("no marker, no digits or a number too long to be a descriptor give nil")
    func refusesWhatIsNotANumber() {
        #expect(SocketDescriptor.number(afterFDIn: "SocketChannel { BaseSocket { } }") == nil)
        #expect(SocketDescriptor.number(afterFDIn: "fd=") == nil)
        #expect(SocketDescriptor.number(afterFDIn: "fd=x1") == nil)
        #expect(SocketDescriptor.number(afterFDIn: "") == nil)
        #expect(SocketDescriptor.number(afterFDIn: "fd=1234567890 }") == nil)
    }
}
