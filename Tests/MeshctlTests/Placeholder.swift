import Testing

@Test func placeholderMeshctlTests() {}
