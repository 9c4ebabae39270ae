/// Pure traffic decisions shared by the proxy and the tests; see the files beside this one.
public enum TrafficPolicy {}
