import Manifests
import Testing

@testable import Reconciler

@Suite("workload variables")
struct WorkloadEnvironmentTests {
    private func expand(_ text: String, _ variables: [String: String] = ["PORT": "8080", "A": "x"]) -> String {
        VariableExpansion.expand(text) { variables[$0] }
    }

    @Test func kubernetesExpansionRules() {
        #expect(expand("$(PORT)") == "8080")
        #expect(expand("--port=$(PORT)/$(A)") == "--port=8080/x")
        #expect(expand("$(UNKNOWN)") == "$(UNKNOWN)")
        #expect(expand("$$(PORT)") == "$(PORT)")
        #expect(expand("$$$(PORT)") == "$8080")
        #expect(expand("cost: 5$") == "cost: 5$")
        #expect(expand("$HOME and ${PORT}") == "$HOME and ${PORT}")
        #expect(expand("$(PORT") == "$(PORT")
        #expect(expand("a $() b") == "a $() b")
        #expect(expand("$(PORT)$(PORT)") == "80808080")
        #expect(expand("") == "")
    }

    @Test func basePicksOnlyTheFewInheritedVariables() {
        let base = WorkloadEnvironment.base(from: ["PATH": "/p", "HOME": "/h", "LANG": "C.UTF-8", "TZ": "UTC",
                                                   "SECRET_TOKEN": "t", "MESH_STATE_DIR": "/s"])
        #expect(base == ["PATH": "/p", "HOME": "/h", "LANG": "C.UTF-8", "TZ": "UTC"])
        #expect(WorkloadEnvironment.base(from: [:]) == ["PATH": WorkloadEnvironment.fallbackPath])
    }

    @Test func serviceEnvSeesMeshVariablesAndOtherEntriesButCannotOverrideTheMesh() {
        let environment = WorkloadEnvironment(
            base: ["PATH": "/bin", "HOME": "/root"],
            proxyDefaults: ["http_proxy": "http://127.0.0.1:9"],
            serviceEnv: ["URL": "http://127.0.0.1:$(PORT)", "HEALTH": "$(URL)/healthz", "PORT": "1",
                         "LOOP_A": "$(LOOP_B)", "LOOP_B": "$(LOOP_A)", "WHERE": "$(HOME)", "LITERAL": "$$(PORT)",
                         "http_proxy": ""],
            mesh: ["PORT": "8080", "MESH_SERVICE": "web"])
        let variables = environment.variables
        #expect(variables["PORT"] == "8080")
        #expect(variables["URL"] == "http://127.0.0.1:8080")
        #expect(variables["HEALTH"] == "http://127.0.0.1:8080/healthz")
        #expect(variables["WHERE"] == "/root")
        #expect(variables["LITERAL"] == "$(PORT)")
        #expect(variables["http_proxy"] == "", "a Service's env overrides the proxy defaults")
        #expect(variables["LOOP_A"] == "$(LOOP_A)" && variables["LOOP_B"] == "$(LOOP_A)", "a cycle stays as written")
        #expect(environment.expand(["python3", "-m", "http.server", "$(PORT)", "$(NOPE)"])
                == ["python3", "-m", "http.server", "8080", "$(NOPE)"])
    }

    @Test func compiledWorkloadGetsACleanExpandedEnvironmentAndItsDirectory() throws {
        let command = Service.Command(argv: ["python3", "-m", "http.server", "$(PORT)"], env: ["GREETING": "on $(PORT)"],
                                      workingDir: "/srv/www")
        var inputs = MeshInputs(
            services: [Service(metadata: ObjectMeta(name: "files"), spec: .init(port: 8090, workload: .command(command)))],
            meshctlPath: "/bin/meshctl", configsDirectory: "/state/configs", gatewayPort: 8000)
        inputs.workloadBaseEnvironment = ["PATH": "/usr/bin", "HOME": "/root"]
        var book = PortBook()
        let world = MeshCompiler.compile(inputs, ports: &book, isFree: { _ in true })
        let workload = try #require(world.processes.first { $0.slot.role == .workload })
        let port = try #require(workload.ports["port"])
        #expect(workload.argv == ["python3", "-m", "http.server", String(port)])
        #expect(workload.environment["GREETING"] == "on \(port)")
        #expect(workload.environment["PATH"] == "/usr/bin")
        #expect(!workload.inheritEnvironment)
        #expect(workload.workingDirectory == "/srv/www")
        let sidecar = try #require(world.processes.first { $0.slot.role == .sidecar })
        #expect(sidecar.inheritEnvironment)
        let outbound = "127.0.0.1:\(try #require(sidecar.ports["outbound"]))"
        #expect(workload.environment["MESH_OUTBOUND"] == outbound)
        #expect(workload.environment["http_proxy"] == "http://\(outbound)")
        #expect(workload.environment["HTTP_PROXY"] == "http://\(outbound)")
        #expect(workload.environment["no_proxy"] == "localhost,127.0.0.1,::1")
    }
}
