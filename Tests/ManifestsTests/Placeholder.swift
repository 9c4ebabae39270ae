import Testing

@Test func placeholderManifestsTests() {}
