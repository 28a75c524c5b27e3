/// The IVR: service-line flows as data (decoded from YAML by the adapter into a
/// ``FlowSource`` tree that keeps every value's file, line and column), a validator that
/// reports problems at those positions, and an interpreter that runs one call through a
/// flow as a state machine: it takes events (a digit, a prompt finished, a timer, a
/// lookup's result) with `now`, and returns actions for the adapter to run.
///
/// Pure (DESIGN.md): no sockets, clocks, files or database; time is an input.
public enum IVRModule {}
