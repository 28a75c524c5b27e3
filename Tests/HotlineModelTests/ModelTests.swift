import HotlineModel
import XCTest

/// Behaviour of the model values beyond coding.
final class ModelTests: XCTestCase {
    func testPhoneDigitsKeepOnlyDigits() {
        let cases: [(String, String)] = [
            ("+86 138-0013-8000", "8613800138000"),
            ("8613800138000", "8613800138000"),
            ("(010) 6552.9988", "01065529988"),
            ("＋８６ １３８ ００１３ ８０００", "8613800138000"),  // full-width, from Chinese IMEs
            ("٠١٢", "012"),                                        // Arabic-Indic digits
            ("ext. 12 #", "12"),
            ("", ""),
            ("unknown", ""),
        ]
        for (input, digits) in cases {
            XCTAssertEqual(PhoneDigits(input).digits, digits, input)
        }
        XCTAssertEqual(PhoneDigits("+86 138-0013-8000"), PhoneDigits("8613800138000"))
        XCTAssertNotEqual(PhoneDigits("13800138000"), PhoneDigits("8613800138000"))
        XCTAssertTrue(PhoneDigits("n/a").isEmpty)
    }

    func testIdentifiersAreDistinctTypesWithPlainValues() {
        let user: UserID = "u-1"
        XCTAssertEqual(user.rawValue, "u-1")
        XCTAssertEqual(user.description, "u-1")
        XCTAssertEqual(AgentID(user), AgentID("u-1"))
        XCTAssertLessThan(CustomerID("c-1"), CustomerID("c-2"))
    }

    func testAgentIDOnlyForAgents() {
        XCTAssertEqual(User(id: "u-1", username: "1001", displayName: "A", roles: [.agent]).agentID, "u-1")
        XCTAssertNil(User(id: "u-2", username: "1002", displayName: "B", roles: [.admin]).agentID)
    }

    func testRolesSortInDeclarationOrder() {
        XCTAssertEqual(Set(Role.allCases).sorted(), [.agent, .supervisor, .admin])
    }

    func testCustomerDisplayNameFallsBackToOtherLanguage() {
        let both = Customer(id: "c-1", nameZh: "张伟", nameEn: "Wei Zhang", createdAt: Timestamp(millisecondsSinceEpoch: 0))
        XCTAssertEqual(both.displayName(in: .zhCN), "张伟")
        XCTAssertEqual(both.displayName(in: .enUS), "Wei Zhang")
        let zhOnly = Customer(id: "c-2", nameZh: "王芳", createdAt: Timestamp(millisecondsSinceEpoch: 0))
        XCTAssertEqual(zhOnly.displayName(in: .enUS), "王芳")
        XCTAssertNil(Customer(id: "c-3", createdAt: Timestamp(millisecondsSinceEpoch: 0)).displayName(in: .zhCN))
    }

    func testTimestampArithmeticAndOrder() {
        let start = Timestamp(millisecondsSinceEpoch: 1_000)
        XCTAssertEqual(start.adding(milliseconds: 250), Timestamp(millisecondsSinceEpoch: 1_250))
        XCTAssertLessThan(start, start.adding(milliseconds: 1))
    }
}
