"""grpcio (Debian python3-grpcio) for bench/proxy/h2.sh GRPCIO=1; run it with /usr/bin/python3.

  grpc-echo.py serve PORT       an asyncio grpcio server on 127.0.0.1:PORT echoing /bench.Echo/Unary (bytes in, bytes
                                out: a generic handler, no protoc); prints `ready` once it listens
  grpc-echo.py check PORT [N]   N unary calls (default 20) with a grpcio client on one channel to 127.0.0.1:PORT;
                                exits non-zero unless every call ends with status OK and its message echoed, which
                                h2load cannot tell (it counts HTTP 2xx, and a failed gRPC call is HTTP 200 too)
"""
import asyncio
import sys

import grpc

METHOD = "/bench.Echo/Unary"


async def serve(port):
    async def unary(request, context):
        return request

    server = grpc.aio.server()
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "bench.Echo", {"Unary": grpc.unary_unary_rpc_method_handler(unary)}),))
    if server.add_insecure_port(f"127.0.0.1:{port}") != port:
        sys.exit(f"cannot listen on 127.0.0.1:{port}")
    await server.start()
    print("ready", flush=True)
    await server.wait_for_termination()


def check(port, calls):
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        unary = channel.unary_unary(METHOD)
        for i in range(calls):
            message = b"hello %d" % i
            try:
                answer, call = unary.with_call(message, timeout=5)
            except grpc.RpcError as error:
                sys.exit(f"127.0.0.1:{port}: call {i}: {error.code()} {error.details()}")
            if call.code() != grpc.StatusCode.OK or answer != message:
                sys.exit(f"127.0.0.1:{port}: call {i}: {call.code()} {answer!r}")
    print(f"127.0.0.1:{port}: {calls} calls, grpc-status 0")


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        asyncio.run(serve(int(sys.argv[2])))
    else:
        check(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 20)
