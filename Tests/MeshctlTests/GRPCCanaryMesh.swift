/// A gRPC canary mesh for end-to-end tests: `api` (appProtocol grpc) splits between api-primary and api-canary, both
/// running grpcio servers (Debian's python3-grpcio); the canary holds 30 % for 8 s under analysis, then is promoted.
enum GRPCCanaryMesh {
    /// `server.py VERSION FAIL_SHARE`: `test.Echo/Unary` on `$PORT` answers the version; every 1/FAIL_SHARE-th call
    /// fails with UNAVAILABLE (Trailers-Only, as servers report most errors). SIGTERM stops it gracefully (calls in
    /// flight finish, 5 s at most), as a well-behaved gRPC server does.
    static let server = #"""
        import os, signal, sys, threading, grpc
        from concurrent import futures
        version, fail_share = sys.argv[1], float(sys.argv[2])
        calls = {"n": 0}
        lock = threading.Lock()
        def unary(req, ctx):
            with lock:
                calls["n"] += 1
                n = calls["n"]
            if fail_share and n % int(round(1 / fail_share)) == 0:
                ctx.abort(grpc.StatusCode.UNAVAILABLE, "flaky " + version)
            return version.encode()
        ident = lambda x: x
        handler = grpc.method_handlers_generic_handler("test.Echo", {
            "Unary": grpc.unary_unary_rpc_method_handler(unary, ident, ident)})
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        server.add_generic_rpc_handlers((handler,))
        if server.add_insecure_port("127.0.0.1:" + os.environ["PORT"]) == 0:
            sys.exit("cannot bind " + os.environ["PORT"])
        server.start()
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        done.wait()
        server.stop(5).wait()
        """#

    /// `client.py PORT STOP_FILE MAX_CALLS`: unary calls on ONE channel, one after another, until STOP_FILE exists
    /// (at most MAX_CALLS, 300 s); then `ok N failed M versions v1=…,v2=… errors UNAVAILABLE=…`.
    static let client = #"""
        import os, sys, time, grpc
        port, stop_file, max_calls = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
        channel = grpc.insecure_channel("127.0.0.1:%d" % port)
        unary = channel.unary_unary("/test.Echo/Unary", request_serializer=lambda x: x, response_deserializer=lambda x: x)
        ok, failed, versions, errors = 0, 0, {}, {}
        deadline = time.time() + 300
        while ok + failed < max_calls and time.time() < deadline and not os.path.exists(stop_file):
            try:
                version = unary(b"x", timeout=5).decode()
                ok += 1
                versions[version] = versions.get(version, 0) + 1
            except grpc.RpcError as error:
                failed += 1
                key = "%s:%s" % (error.code().name, error.details())
                errors[key] = errors.get(key, 0) + 1
                if errors[key] == 1:
                    print("first", time.strftime("%H:%M:%S"), key, flush=True)
            time.sleep(0.004)
        pairs = lambda d: ",".join("%s=%d" % kv for kv in sorted(d.items()))
        print("ok", ok, "failed", failed, "versions", pairs(versions), "errors", pairs(errors), flush=True)
        """#

    static func manifests(root: Int, primary: Int, canary: Int, script: String, canaryVersion: String,
                          canaryFailShare: Double) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: api}
        spec: {port: \(root), appProtocol: grpc}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: api-primary}
        spec:
          port: \(primary)
          appProtocol: grpc
          command: [/usr/bin/python3, \(script), v1, "0"]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: api-canary}
        spec:
          port: \(canary)
          appProtocol: grpc
          command: [/usr/bin/python3, \(script), \(canaryVersion), "\(canaryFailShare)"]
        ---
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: api}
        spec:
          service: api
          backends:
          - {service: api-primary, weight: 100}
          - {service: api-canary, weight: 0}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: api}
        spec:
          trafficSplit: api
          progressDeadline: 2m
          canary:
            stableService: api-primary
            canaryService: api-canary
            steps:
            - setWeight: 30
            - pause: {duration: 8s}
            analysis:
              interval: 1s
              threshold: 3
              minRequests: 5
              metrics:
              - name: request-success-rate
                thresholdRange: {min: 99}

        """
    }
}
