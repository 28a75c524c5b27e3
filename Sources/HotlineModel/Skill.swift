/// A routing skill an agent holds, such as `billing` at level 7.
///
/// Levels run from 1 (can help) to 10 (expert) so that routing can prefer stronger agents
/// and queues can ask for a minimum. The range is checked by storage (and by the schema),
/// not here, so a decoded value is never silently clamped.
public struct Skill: Hashable, Codable, Sendable {
    /// Valid levels.
    public static let levels: ClosedRange<Int> = 1...10

    /// Name shared with queue requirements, e.g. `billing`, `mandarin`.
    public var name: String
    /// 1...10; see `levels`.
    public var level: Int

    public init(name: String, level: Int) {
        self.name = name
        self.level = level
    }
}
