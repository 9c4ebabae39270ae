import Testing

@Test func placeholderSidecarTests() {}
