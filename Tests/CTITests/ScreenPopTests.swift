import XCTest
import HotlineModel
@testable import CTI

final class ScreenPopTests: XCTestCase {
    func testThePopCarriesTheCustomerTheIVRAndMasksSecrets() {
        let t = Timestamp(millisecondsSinceEpoch: 1_764_000_000_000)
        let customer = Customer(id: "c-1", nameZh: "张伟", nameEn: "Zhang Wei", phoneNumbers: ["13800138000"],
                                language: .zhCN, accountNumbers: ["6222020000001234"], tags: ["vip"], createdAt: t)
        var summary = IVRSummary(interactionID: "i-1", flow: "bank", flowVersion: 1, language: .zhCN,
                                 outcome: "transferred to cards", verification: "verified", verificationMethod: "card",
                                 startedAt: t)
        summary.transfer = .init(queue: "cards", skills: ["cards"], priority: 5, reason: "agent requested", requestedAt: t)
        let steps = [
            IVRStepRecord(interactionID: "i-1", position: 1, flow: "bank", node: "pin", kind: "collect", input: "123456",
                          outcome: "collected", startedAt: t, milliseconds: 3000),
            IVRStepRecord(interactionID: "i-1", position: 0, flow: "bank", node: "menu", kind: "menu", input: "2",
                          outcome: "chose", startedAt: t, milliseconds: 2000),
        ]
        let pop = ScreenPop(interaction: "i-1", agent: "1002", queue: "cards", kind: .call, callerNumber: "13800138000",
                            dialled: "95500", waitedMilliseconds: 12_900, customer: customer, ivr: summary,
                            variables: ["card": "6222…1234", "card_pin": "654321", "nested": ["otp_code": "1"], "balance": 12.5],
                            steps: steps)
        let data = pop.data
        XCTAssertEqual(data["agent"], "1002")
        XCTAssertEqual(data["waitedSeconds"], 12)
        XCTAssertEqual(data["customer"]?["nameZh"], "张伟")
        XCTAssertEqual(data["customer"]?["vip"], true)
        XCTAssertEqual(data["ivr"]?["verified"], true)
        XCTAssertEqual(data["ivr"]?["verificationMethod"], "card")
        XCTAssertEqual(data["ivr"]?["transferReason"], "agent requested")
        XCTAssertEqual(data["ivr"]?["variables"]?["card_pin"], "******")
        XCTAssertEqual(data["ivr"]?["variables"]?["nested"]?["otp_code"], "******")
        XCTAssertEqual(data["ivr"]?["variables"]?["card"], "6222…1234")
        XCTAssertEqual(data["ivr"]?["variables"]?["balance"], 12.5)
        guard case .array(let path)? = data["ivr"]?["path"] else { return XCTFail("a path") }
        XCTAssertEqual(path.map { $0["node"] }, ["menu", "pin"], "in the order the caller went")
        XCTAssertEqual(path[1]["input"], "******", "a PIN step's input is masked even if the flow did not")
        XCTAssertEqual(path[0]["input"], "2")
        XCTAssertEqual(path[0]["at"], .string(t.iso8601))
    }

    func testAnUnknownCallerHasNullCustomerAndIVR() {
        let data = ScreenPop(interaction: "i-2", agent: "1001", queue: nil, kind: .transfer, callerNumber: "10086",
                             dialled: "10000", note: "wants a refund").data
        XCTAssertEqual(data["customer"], .null)
        XCTAssertEqual(data["ivr"], .null)
        XCTAssertEqual(data["queue"], .null)
        XCTAssertEqual(data["kind"], "transfer")
        XCTAssertEqual(data["note"], "wants a refund")
    }
}
