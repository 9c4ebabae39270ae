import Manifests
import Testing

@testable import Reconciler

@Suite("rollout: blue-green status")
struct RolloutBlueGreenStatusTests {
    @Test func statusSaysHowToReachThePreview() {
        var driver = RolloutDriver(RolloutFixture.blueGreen())
        driver.begin()
        #expect(driver.state.message.contains("waiting for every sidecar to confirm weights 100/0 +preview"))
        driver.confirm()
        #expect(driver.state.message == "preview ready (header x-mesh-preview: 1); waiting for `meshctl rollout promote`")
        var spec = RolloutFixture.blueGreen()
        if case .blueGreen(var blueGreen) = spec.strategy {
            blueGreen.preview = .port(9089)
            spec.strategy = .blueGreen(blueGreen)
        }
        #expect(RolloutPlan(spec).previewAccess == "port 9089")
        #expect(RolloutPlan(RolloutFixture.canary([.setWeight(10)])).previewAccess == nil)
    }
}
