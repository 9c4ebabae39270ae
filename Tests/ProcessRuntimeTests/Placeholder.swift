import Testing

@Test func placeholderProcessRuntimeTests() {}
