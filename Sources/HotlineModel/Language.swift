/// The languages Hotline speaks: prompts, the agent desktop and customer preferences.
///
/// Raw values are BCP 47 tags because that is what prompt directories, TTS voices and
/// browsers use; the storage schema checks for exactly these values, so adding a case
/// needs a migration that widens the CHECK constraint.
public enum Language: String, CaseIterable, Hashable, Codable, Sendable {
    case zhCN = "zh-CN"
    case enUS = "en-US"
}
