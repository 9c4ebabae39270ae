import Testing

@Test func placeholderTrafficPolicyTests() {}
