/// Local process lifecycle for the operator; see the files beside this one.
public enum ProcessRuntime {}
