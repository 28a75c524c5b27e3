import Foundation
import HotlineModel
import IVR
import XCTest
@testable import HotlineServer

/// The demo service lines' flows (flows/demo/*.yaml): they load together without a
/// problem, and callers walking the main paths hear what they should and end where they
/// should. The store is played by the test, answering each request with values shaped as
/// docs/ivr-flows.md ("What a lookup puts in its variable") says.
final class DemoFlowsTests: XCTestCase {
    /// The repository: this file is Tests/HotlineServerTests/DemoFlowsTests.swift.
    static let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static let loaded: FlowLoader.Result = {
        let directory = root + "/flows/demo"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
        return FlowLoader.load(files.map { directory + "/" + $0 })
    }()

    func testDemoFlowsLoadTogetherWithoutProblems() {
        XCTAssertEqual(Self.loaded.problems.map(\.description), [])
        XCTAssertEqual(Self.loaded.flows.map(\.name), ["bank", "shop", "telecom"])
        XCTAssertEqual(Self.loaded.flows.map(\.language), [.zhCN, .zhCN, .zhCN])
    }

    // MARK: Telecom 10000

    func testTelecomBalanceByCallerIDThenMainMenuWithoutASecondPIN() throws {
        var call = try DemoCall("telecom", caller: "13800138000", dialled: "10000")
        XCTAssertEqual(call.heard, [
            zh("欢迎致电电信客服热线。中文服务请按1。"), en("Welcome to the telecom service line. For English, press 2."),
        ])
        call.press("11")
        XCTAssertEqual(call.request, .lookup(request: 1, record: .customer, key: "13800138000"))
        call.answerLookup(zhangWei)
        call.press("123456")
        XCTAssertEqual(call.request, .verify(request: 2, method: .callerID, identifier: "13800138000", pin: "123456"))
        call.answerVerify(.verified(customer: zhangWei))
        XCTAssertEqual(call.request, .lookup(request: 3, record: .balance, key: "C0001"))
        call.answerLookup(zhangWeiAccount)
        call.settle()
        XCTAssertEqual(call.heard.suffix(3), [zh("您的话费余额为"), zh("五十六元三角"), zh("返回主菜单请按1，人工服务请按0。")])

        // Back to the main menu: the caller is verified, so the balance comes straight away.
        call.press("11")
        XCTAssertEqual(call.request, .lookup(request: 4, record: .balance, key: "C0001"))
        call.answerLookup(zhangWeiAccount)
        // No key after the answer: the tail menu once more, then goodbye.
        call.waitForTimeout()
        call.waitForTimeout()
        XCTAssertEqual(call.heard.suffix(2), [zh("返回主菜单请按1，人工服务请按0。"), zh("感谢您的来电，再见。")])
        XCTAssertEqual(call.end, .hangup(outcome: "self-served"))
        XCTAssertEqual(call.session.outcome, "self-served")
        XCTAssertEqual(call.path, [
            "lang", "main", "balance", "ident", "who", "pin", "check", "by_caller", "served", "get_balance", "sign",
            "say_balance", "more", "main", "balance", "ident", "served", "get_balance", "sign", "say_balance", "more",
            "bye", "bye_served",
        ])
        XCTAssertEqual(call.steps.first { $0.node == "pin" }?.input, FlowSession.mask, "the PIN stays out of the steps")
        XCTAssertEqual(call.recordingPauses, 1, "the PIN entry is kept out of the recording")
    }

    func testTelecomBillSaysAmountDueDateAndUnpaid() throws {
        var call = try DemoCall("telecom", caller: "13800138000", dialled: "10000")
        call.press("12")
        call.answerLookup(zhangWei)
        call.press("123456")
        call.answerVerify(.verified(customer: zhangWei))
        XCTAssertEqual(call.request, .lookup(request: 3, record: .bills, key: "C0001"))
        call.answerLookup([
            "count": 2, "unpaid_count": 1, "unpaid_total": 129.0, "currency": "CNY",
            "latest": bill202610, "items": [bill202610, bill202609],
        ])
        call.settle()
        XCTAssertEqual(call.heard.suffix(6), [
            zh("您最近一期账单金额为"), zh("一百二十九元整"), zh("缴费截止日期为"), zh("二零二六年十一月二十日"),
            zh("该账单尚未缴费，请在截止日期前缴费。"), zh("返回主菜单请按1，人工服务请按0。"),
        ])
        call.press("0")
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "telecom")
        XCTAssertEqual(transfer.skills, ["telecom"])
        XCTAssertEqual(transfer.priority, 5)
        XCTAssertEqual(transfer.reason, "客户要求人工服务 / the caller asked for an agent")
        XCTAssertEqual(transfer.holdPrompt, [zh("所有坐席都在忙，请稍候。")])
        XCTAssertEqual(transfer.context.verification, "verified")
        XCTAssertEqual(transfer.context.verificationMethod, .callerID)
        XCTAssertEqual(transfer.context.variables["pin"], .string(FlowSession.mask))
        XCTAssertEqual(Array(call.path.suffix(7)), ["get_bill", "has_bill", "say_bill", "paid", "bill_unpaid", "more", "agent"])
        XCTAssertEqual(call.session.outcome, "transferred to telecom")
    }

    func testTelecomUnknownCallerKeysTheirPhoneNumberInEnglishAndHearsWhatTheyOwe() throws {
        var call = try DemoCall("telecom", caller: "02112345678", dialled: "10000")
        call.press("2")
        XCTAssertEqual(call.heard.last, en("For your balance, press 1. For your latest bill, press 2. To report a broadband fault, press 3. For an agent, press 0. To hear this again, press star."))
        call.press("1")
        XCTAssertEqual(call.request, .lookup(request: 1, record: .customer, key: "02112345678"))
        call.answerLookup(nil)
        call.settle()
        XCTAssertEqual(call.heard.last, en("Please enter your eleven-digit phone number."))
        call.press("13900139000")
        XCTAssertEqual(call.heard.last, en("Please enter your six-digit PIN."))
        call.press("654321")
        XCTAssertEqual(call.request, .verify(request: 2, method: .phone, identifier: "13900139000", pin: "654321"))
        call.answerVerify(.verified(customer: emilyChen))
        XCTAssertEqual(call.request, .lookup(request: 3, record: .balance, key: "C0002"))
        call.answerLookup(["number": "13900139000", "kind": "telecom", "balance": -12.4, "currency": "CNY",
                           "plan_zh": "畅享套餐", "plan_en": "Unlimited plan"])
        call.settle()
        XCTAssertEqual(call.heard.suffix(4), [
            en("You owe"), en("twelve yuan and forty fen"), en("Please top up soon."),
            en("For the main menu, press 1. For an agent, press 0."),
        ])
        XCTAssertEqual(Array(call.path), [
            "lang", "main", "balance", "ident", "who", "ask_phone", "phone", "pin", "check", "by_phone", "served",
            "get_balance", "sign", "say_owed", "more",
        ])
        XCTAssertEqual(call.session.language, .enUS)
    }

    func testTelecomUnknownPhoneNumberThreeTimesGoesToAnAgent() throws {
        var call = try DemoCall("telecom", caller: "02112345678", dialled: "10000")
        call.press("11")
        call.answerLookup(nil)
        for attempt in 1...3 {
            call.press("13600000000")
            call.press("123456")
            XCTAssertEqual(call.request, .verify(request: 1 + attempt, method: .phone, identifier: "13600000000", pin: "123456"))
            call.answerVerify(.unknownIdentifier)
            if attempt < 3 {
                call.settle()
                XCTAssertEqual(call.heard.suffix(2), [zh("该号码不是我们的用户号码，请重新输入。"), zh("请输入您的十一位手机号码。")])
            }
        }
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "telecom")
        XCTAssertEqual(transfer.reason, "未能完成身份验证 / the caller could not be identified")
        XCTAssertEqual(transfer.context.verification, "unknown identifier")
        XCTAssertEqual(Array(call.path.suffix(4)), ["not_verified", "phone_miss", "phone_again", "id_help"])
    }

    func testTelecomThreeWrongPINsLockAndGoToAnAgent() throws {
        var call = try DemoCall("telecom", caller: "13700137000", dialled: "10000")
        call.press("11")
        call.answerLookup(liXiuying)
        call.press("000000")
        call.answerVerify(.wrongPIN(triesLeft: 2))
        call.settle()
        XCTAssertEqual(call.heard.suffix(2), [zh("密码错误，请重新输入。"), zh("请输入六位服务密码。")])
        call.press("000000")
        call.answerVerify(.wrongPIN(triesLeft: 1))
        call.press("000000")
        XCTAssertEqual(call.request, .verify(request: 4, method: .callerID, identifier: "13700137000", pin: "000000"))
        call.answerVerify(.locked)
        call.settle()
        XCTAssertEqual(call.heard.last, zh("所有坐席都在忙，请稍候。"))
        XCTAssertTrue(call.heard.contains(zh("密码错误次数过多，已暂时锁定。正在为您转接人工服务。")))
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "telecom")
        XCTAssertEqual(transfer.skills, ["telecom"])
        XCTAssertEqual(transfer.priority, 3)
        XCTAssertEqual(transfer.reason, "PIN 错误三次已锁定 / locked after three wrong PINs")
        XCTAssertEqual(transfer.context.verification, "locked")
        XCTAssertEqual(Array(call.path.suffix(5)), ["pin", "check", "by_caller", "locked", "locked_agent"])
        XCTAssertEqual(call.path.filter { $0 == "wrong_pin" }.count, 2)
    }

    func testTelecomFaultReportOpensATicketAndEndsAsTicketCreated() throws {
        var call = try DemoCall("telecom", caller: "13512345678", dialled: "10000")
        call.waitForTimeout()  // no key at the language prompt: Chinese
        XCTAssertEqual(call.session.language, .zhCN)
        call.press("3")
        XCTAssertEqual(call.heard.last, zh("无法上网请按1，网速慢请按2，经常掉线请按3，宽带工程师请按0，重听请按星号键。"))
        call.press("*")
        XCTAssertEqual(call.heard.suffix(2), [call.heard.last!, call.heard.last!], "star repeats the fault menu")
        call.press("1")
        XCTAssertEqual(call.request, .create(request: 1, record: .ticket, fields: [
            "category": "broadband", "kind": "no-connection", "customer": "",
            "summary": "宽带故障 no-connection，来电号码 13512345678 / broadband fault no-connection, reported from 13512345678",
        ]))
        call.answerCreated(["number": "10000001", "category": "broadband", "kind": "no-connection", "status": "open",
                            "created": "2026-11-01"])
        call.settle()
        XCTAssertEqual(call.heard.suffix(3), [
            zh("报修已登记，您的报修单号是"), zh("一 零 零 零 零 零 零 一"), zh("返回主菜单请按1，人工服务请按0。"),
        ])
        call.waitForTimeout()
        call.waitForTimeout()
        XCTAssertEqual(call.end, .hangup(outcome: "ticket-created"))
        XCTAssertEqual(call.path, [
            "lang", "main", "fault", "no_connection", "report", "say_ticket", "more", "bye", "bye_ticket",
        ])
    }

    func testTelecomVerifiedCallerTicketNamesTheCustomerAndEngineerKey() throws {
        // Verified first (balance), then a fault report: the ticket carries the customer id.
        var call = try DemoCall("telecom", caller: "13800138000", dialled: "10000")
        call.press("11")
        call.answerLookup(zhangWei)
        call.press("123456")
        call.answerVerify(.verified(customer: zhangWei))
        call.answerLookup(zhangWeiAccount)
        call.press("1")
        call.press("3")
        call.press("2")
        XCTAssertEqual(call.request, .create(request: 4, record: .ticket, fields: [
            "category": "broadband", "kind": "slow", "customer": "C0001",
            "summary": "宽带故障 slow，来电号码 13800138000 / broadband fault slow, reported from 13800138000",
        ]))
        call.answerCreated(nil)  // the store refused it
        call.settle()
        var transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "broadband")
        XCTAssertEqual(transfer.skills, ["broadband"])
        XCTAssertEqual(transfer.reason, "报修单未能登记（slow，来电 13800138000） / could not record a slow ticket for 13800138000")
        XCTAssertTrue(call.heard.contains(zh("抱歉，暂时无法登记您的报修。正在为您转接宽带工程师。")))

        var engineer = try DemoCall("telecom", caller: "13800138000", dialled: "10000")
        engineer.press("130")
        transfer = try XCTUnwrap(engineer.transfer)
        XCTAssertEqual(transfer.queue, "broadband")
        XCTAssertEqual(transfer.skills, ["broadband"])
        XCTAssertEqual(transfer.priority, 5)
        XCTAssertEqual(transfer.reason, "宽带故障，要求工程师 / broadband fault, asked for an engineer")
        XCTAssertEqual(engineer.path, ["lang", "main", "fault", "engineer"])
    }

    func testTelecomMainMenuWithoutAChoiceGoesToAnAgent() throws {
        var call = try DemoCall("telecom", caller: "13800138000", dialled: "10000")
        call.press("1")
        call.press("9")
        XCTAssertEqual(call.heard.suffix(2), [zh("输入有误。"), call.heard.last!])
        call.waitForTimeout()
        XCTAssertEqual(call.heard.suffix(2).first, zh("我们没有收到您的按键。"))
        call.waitForTimeout()
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "telecom")
        XCTAssertEqual(transfer.reason, "主菜单未做选择 / no choice at the main menu")
        XCTAssertEqual(call.path, ["lang", "main", "menu_help"])
    }

    // MARK: Bank 95500

    func testBankBalanceAndLastThreeTransactions() throws {
        var call = try DemoCall("bank", caller: "13800138000", dialled: "95500")
        XCTAssertEqual(call.heard, [
            zh("欢迎致电银行客服热线。中文服务请按1。"), en("Welcome to the bank service line. For English, press 2."),
        ])
        call.press("1")
        XCTAssertEqual(call.heard.last, zh("请输入您的银行卡号，以井号键结束。"))
        call.press(wangFangCard)  // nineteen digits: the entry ends by itself
        XCTAssertEqual(call.heard.last, zh("请输入六位银行卡密码。"))
        call.press("147258")
        XCTAssertEqual(call.request, .verify(request: 1, method: .card, identifier: wangFangCard, pin: "147258"))
        XCTAssertEqual(call.recordingPauses, 2, "the card number and the PIN are each kept out of the recording")
        call.answerVerify(.verified(customer: wangFang))
        call.press("1")
        XCTAssertEqual(call.request, .lookup(request: 2, record: .balance, key: .string(wangFangCard)))
        call.answerLookup(["number": "6222020200112233", "kind": "bank", "balance": 12345.67, "currency": "CNY",
                           "plan_zh": "借记卡账户", "plan_en": "Debit account"])
        call.settle()
        XCTAssertEqual(call.heard.suffix(3), [
            zh("您的账户余额为"), zh("一万二千三百四十五元六角七分"), zh("返回主菜单请按1，人工服务请按0。"),
        ])
        call.press("1")
        call.press("2")
        XCTAssertEqual(call.request, .lookup(request: 3, record: .transactions, key: .string(wangFangCard)))
        call.answerLookup(transactions(3))
        call.settle()
        XCTAssertEqual(call.heard.suffix(11), [
            zh("您最近的交易如下。"),
            zh("二零二六年十月三十一日"), zh("星巴克，金额"), zh("负三十八元整"),
            zh("二零二六年十月三十日"), zh("工资，金额"), zh("八千五百元整"),
            zh("二零二六年十月二十九日"), zh("京东商城，金额"), zh("负一千二百九十九元整"),
            zh("返回主菜单请按1，人工服务请按0。"),
        ])
        call.waitForTimeout()
        call.waitForTimeout()
        XCTAssertEqual(call.end, .hangup(outcome: "self-served"))
        XCTAssertEqual(call.path, [
            "lang", "begin", "card", "pin", "check", "main", "balance", "say_balance", "more", "main", "recent",
            "has_tx", "tx1", "has_tx2", "tx2", "has_tx3", "tx3", "more", "bye",
        ])
        XCTAssertEqual(call.steps.first { $0.node == "card" }?.input, FlowSession.mask)
    }

    func testBankEnglishFewerThanThreeTransactionsThenAgent() throws {
        var call = try DemoCall("bank", caller: "13900139000", dialled: "95500")
        call.press("2")
        call.press(johnSmithCard)
        call.press("369258")
        call.answerVerify(.verified(customer: johnSmith))
        call.press("2")
        call.answerLookup(transactions(2))
        call.settle()
        XCTAssertEqual(call.heard.suffix(8), [
            en("Here are your latest transactions."),
            en("October thirty-first, twenty twenty-six"), en("Starbucks, amount"), en("minus thirty-eight yuan"),
            en("October thirtieth, twenty twenty-six"), en("Salary, amount"), en("eight thousand five hundred yuan"),
            en("For the main menu, press 1. For an agent, press 0."),
        ])
        XCTAssertEqual(Array(call.path.suffix(7)), ["recent", "has_tx", "tx1", "has_tx2", "tx2", "has_tx3", "more"])
        call.press("0")
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "banking")
        XCTAssertEqual(transfer.skills, ["banking"])
        XCTAssertEqual(transfer.priority, 5)
        XCTAssertEqual(transfer.holdPrompt, [en("All our agents are busy, please hold.")])
        XCTAssertEqual(transfer.context.variables["card_number"], .string(FlowSession.mask))
        XCTAssertEqual(transfer.context.verificationMethod, .card)
    }

    func testBankNoTransactions() throws {
        var call = try DemoCall("bank", caller: "13800138000", dialled: "95500")
        call.press("1")
        call.press(wangFangCard)
        call.press("147258")
        call.answerVerify(.verified(customer: wangFang))
        call.press("2")
        call.answerLookup(transactions(0))
        call.settle()
        XCTAssertEqual(call.heard.suffix(2), [zh("您的卡最近没有交易。"), zh("返回主菜单请按1，人工服务请按0。")])
        XCTAssertEqual(Array(call.path.suffix(4)), ["recent", "has_tx", "no_tx", "more"])
    }

    func testBankWrongPINThenRightOneThenLostCardGoesFirst() throws {
        var call = try DemoCall("bank", caller: "13800138000", dialled: "95500")
        call.press("1")
        call.press(wangFangCard)
        call.press("000000")
        call.answerVerify(.wrongPIN(triesLeft: 2))
        call.settle()
        XCTAssertEqual(call.heard.suffix(2), [zh("密码错误，请重新输入。"), zh("请输入六位银行卡密码。")])
        call.press("147258")
        XCTAssertEqual(call.request, .verify(request: 2, method: .card, identifier: wangFangCard, pin: "147258"))
        call.answerVerify(.verified(customer: wangFang))
        call.press("3")
        call.settle()
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "cards")
        XCTAssertEqual(transfer.skills, ["cards"])
        XCTAssertEqual(transfer.priority, 1)
        XCTAssertEqual(transfer.reason, "lost card / 挂失")
        XCTAssertTrue(call.heard.contains(zh("正在为您优先转接挂失服务。")))
        XCTAssertEqual(call.path, [
            "lang", "begin", "card", "pin", "check", "not_verified", "wrong_pin", "pin", "check", "main", "lost", "lost_agent",
        ])
    }

    func testBankThreeWrongPINsLockTheCard() throws {
        var call = try DemoCall("bank", caller: "13700137000", dialled: "95500")
        call.press("1")
        call.press(zhaoLeiCard)
        for tries in [2, 1] {
            call.press("000000")
            call.answerVerify(.wrongPIN(triesLeft: tries))
        }
        call.press("000000")
        call.answerVerify(.locked)
        call.settle()
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "cards")
        XCTAssertEqual(transfer.skills, ["cards"])
        XCTAssertEqual(transfer.priority, 3)
        XCTAssertEqual(transfer.reason, "PIN 错误三次已锁定 / locked after three wrong PINs")
        XCTAssertEqual(transfer.context.verification, "locked")
        XCTAssertTrue(call.heard.contains(zh("密码错误次数过多，该卡已暂时锁定。正在为您转接人工服务。")))
        XCTAssertEqual(Array(call.path.suffix(4)), ["pin", "check", "locked", "locked_agent"])
    }

    func testBankUnknownCardIsAskedAgainThenAnAgent() throws {
        var call = try DemoCall("bank", caller: "13800138000", dialled: "95500")
        call.press("1")
        for attempt in 1...3 {
            call.press("6222020200000000#")  // sixteen digits, ended with #
            call.press("147258")
            XCTAssertEqual(call.request, .verify(request: attempt, method: .card, identifier: "6222020200000000", pin: "147258"))
            call.answerVerify(.unknownIdentifier)
            if attempt < 3 {
                call.settle()
                XCTAssertEqual(call.heard.suffix(2), [zh("未查询到该卡号，请重新输入。"), zh("请输入您的银行卡号，以井号键结束。")])
            }
        }
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "cards")
        XCTAssertEqual(transfer.reason, "卡号三次未能识别 / card number not found three times")
        XCTAssertEqual(Array(call.path.suffix(4)), ["not_verified", "card_miss", "card_again", "card_help"])
    }

    // MARK: Online shop 40000

    func testShopShippedOrderWithParcelAndDeliveryDate() throws {
        var call = try DemoCall("shop", caller: "13800138000", dialled: "40000")
        XCTAssertEqual(call.heard, [
            zh("欢迎致电网店客服热线。中文服务请按1。"), en("Welcome to the online shop service line. For English, press 2."),
        ])
        call.press("11")
        XCTAssertEqual(call.heard.last, zh("请输入十位订单号，以井号键结束。"))
        call.press("1000012345")
        XCTAssertEqual(call.request, .lookup(request: 1, record: .orders, key: "1000012345"))
        call.answerLookup(order("1000012345", status: "shipped", zh: "已发货", en: "shipped", parcel: [
            "tracking": "SF1234567890", "carrier_zh": "顺丰速运", "carrier_en": "SF Express", "status": "in_transit",
            "status_zh": "运输中", "status_en": "in transit", "location_zh": "上海转运中心", "location_en": "the Shanghai hub",
            "eta": "2026-11-03",
        ]))
        call.settle()
        XCTAssertEqual(call.heard.suffix(5), [
            zh("订单状态：已发货。"), zh("包裹由顺丰速运承运，运输中，目前在上海转运中心。"),
            zh("预计送达日期为"), zh("二零二六年十一月三日"), zh("返回主菜单请按1，人工服务请按0。"),
        ])
        call.waitForTimeout()
        call.waitForTimeout()
        XCTAssertEqual(call.end, .hangup(outcome: "self-served"))
        XCTAssertEqual(call.path, [
            "lang", "main", "status", "order", "find", "say_status", "has_parcel", "say_parcel", "has_eta", "say_eta",
            "more", "bye", "bye_served",
        ])
    }

    func testShopDeliveredOrderInEnglishSkipsTheDeliveryDate() throws {
        var call = try DemoCall("shop", caller: "13900139000", dialled: "40000")
        call.press("21")
        call.press("1000067890")
        call.answerLookup(order("1000067890", status: "delivered", zh: "已签收", en: "delivered", parcel: [
            "tracking": "YT9876543210", "carrier_zh": "圆通速递", "carrier_en": "YTO Express", "status": "delivered",
            "status_zh": "已签收", "status_en": "delivered", "location_zh": "北京", "location_en": "Beijing", "eta": "",
        ]))
        call.settle()
        XCTAssertEqual(call.heard.suffix(3), [
            en("Order status: delivered."), en("Your parcel is with YTO Express, delivered, now at Beijing."),
            en("For the main menu, press 1. For an agent, press 0."),
        ])
        XCTAssertEqual(Array(call.path.suffix(3)), ["say_parcel", "has_eta", "more"])
        call.press("0")
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "orders")
        XCTAssertEqual(transfer.skills, ["orders"])
        XCTAssertEqual(transfer.reason, "客户要求人工服务 / the caller asked for an agent")
    }

    func testShopPlacedOrderHasNoParcel() throws {
        var call = try DemoCall("shop", caller: "13800138000", dialled: "40000")
        call.press("11")
        call.press("1000054321")
        call.answerLookup(order("1000054321", status: "placed", zh: "已下单，等待付款", en: "placed, waiting for payment",
                                parcel: .null))
        call.settle()
        XCTAssertEqual(call.heard.suffix(2), [zh("订单状态：已下单，等待付款。"), zh("返回主菜单请按1，人工服务请按0。")])
        XCTAssertEqual(Array(call.path.suffix(3)), ["say_status", "has_parcel", "more"])
    }

    func testShopUnknownOrderIsAskedAgainThenAnAgent() throws {
        var call = try DemoCall("shop", caller: "13800138000", dialled: "40000")
        call.press("11")
        for attempt in 1...3 {
            call.press("1000000000")
            XCTAssertEqual(call.request, .lookup(request: attempt, record: .orders, key: "1000000000"))
            call.answerLookup(nil)
            if attempt < 3 {
                call.settle()
                XCTAssertEqual(call.heard.suffix(2), [zh("未查询到该订单，请重新输入。"), zh("请输入十位订单号，以井号键结束。")])
            }
        }
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "orders")
        XCTAssertEqual(transfer.skills, ["orders"])
        XCTAssertEqual(transfer.reason, "未能查到订单 1000000000 / could not find order 1000000000")
        XCTAssertEqual(Array(call.path.suffix(4)), ["find", "order_miss", "order_again", "order_help"])
    }

    func testShopReturnIsCreatedAndEndsAsReturnCreated() throws {
        var call = try DemoCall("shop", caller: "13800138000", dialled: "40000")
        call.press("12")
        XCTAssertEqual(call.heard.last, zh("请输入需要退货的十位订单号，以井号键结束。"))
        call.press("1000012345")
        XCTAssertEqual(call.heard.last, zh("商品损坏请按1，发错商品请按2，不想要了请按3，人工服务请按0，重听请按星号键。"))
        call.press("1")
        XCTAssertEqual(call.request, .create(request: 1, record: .return, fields: ["order": "1000012345", "reason": "damaged"]))
        call.answerCreated(["number": "50000001", "order": "1000012345", "reason": "damaged", "status": "requested",
                            "created": "2026-11-01"])
        call.settle()
        XCTAssertEqual(call.heard.suffix(3), [
            zh("退货申请已受理，您的退货单号是"), zh("五 零 零 零 零 零 零 一"), zh("返回主菜单请按1，人工服务请按0。"),
        ])
        call.waitForTimeout()
        call.waitForTimeout()
        XCTAssertEqual(call.end, .hangup(outcome: "return-created"))
        XCTAssertEqual(call.path, [
            "lang", "main", "ret", "reason", "damaged", "open_return", "say_return", "more", "bye", "bye_return",
        ])
    }

    func testShopRefusedReturnApologisesAndGoesToTheReturnsQueue() throws {
        var call = try DemoCall("shop", caller: "13800138000", dialled: "40000")
        call.press("12")
        call.press("1000000000")
        call.press("3")
        XCTAssertEqual(call.request, .create(request: 1, record: .return, fields: ["order": "1000000000", "reason": "changed-mind"]))
        call.answerCreated(nil)
        call.settle()
        XCTAssertTrue(call.heard.contains(zh("抱歉，无法为该订单办理退货。正在为您转接退货专员。")))
        let transfer = try XCTUnwrap(call.transfer)
        XCTAssertEqual(transfer.queue, "returns")
        XCTAssertEqual(transfer.skills, ["returns"])
        XCTAssertEqual(transfer.reason, "退货未能受理（订单 1000000000） / return refused for order 1000000000")
        XCTAssertEqual(Array(call.path.suffix(3)), ["open_return", "return_failed", "refused_agent"])
    }
}

// MARK: - Persona data, shaped as the store gives it

private let wangFangCard = "6222020200112233445"
private let johnSmithCard = "6222020200998877665"
private let zhaoLeiCard = "6222020200555566667"

private func customer(_ id: String, zh: String, en: String, language: String, phone: String) -> FlowValue {
    ["id": .string(id), "name": .string(language == "en-US" ? en : zh), "name_zh": .string(zh), "name_en": .string(en),
     "language": .string(language), "phone": .string(phone), "phones": [.string(phone)], "accounts": [], "tags": []]
}

private let zhangWei = customer("C0001", zh: "张伟", en: "Zhang Wei", language: "zh-CN", phone: "13800138000")
private let emilyChen = customer("C0002", zh: "陈艾米", en: "Emily Chen", language: "en-US", phone: "13900139000")
private let liXiuying = customer("C0003", zh: "李秀英", en: "Li Xiuying", language: "zh-CN", phone: "13700137000")
private let wangFang = customer("C0101", zh: "王芳", en: "Wang Fang", language: "zh-CN", phone: "13600136000")
private let johnSmith = customer("C0102", zh: "约翰·史密斯", en: "John Smith", language: "en-US", phone: "13500135000")

private let zhangWeiAccount: FlowValue = [
    "number": "13800138000", "kind": "telecom", "balance": 56.3, "currency": "CNY",
    "plan_zh": "畅享套餐", "plan_en": "Unlimited plan",
]
private let bill202610: FlowValue = [
    "id": "B202610", "period": "2026-10", "amount": 129.0, "currency": "CNY", "due": "2026-11-20", "paid": false,
]
private let bill202609: FlowValue = [
    "id": "B202609", "period": "2026-09", "amount": 129.0, "currency": "CNY", "due": "2026-10-20", "paid": true,
]

/// 王芳's newest transactions, the first `count` of three.
private func transactions(_ count: Int) -> FlowValue {
    let all: [FlowValue] = [
        ["date": "2026-10-31", "time": "08:15", "amount": -38.0, "currency": "CNY", "merchant_zh": "星巴克",
         "merchant_en": "Starbucks", "kind": "debit"],
        ["date": "2026-10-30", "time": "09:00", "amount": 8500.0, "currency": "CNY", "merchant_zh": "工资",
         "merchant_en": "Salary", "kind": "credit"],
        ["date": "2026-10-29", "time": "20:41", "amount": -1299.0, "currency": "CNY", "merchant_zh": "京东商城",
         "merchant_en": "JD.com", "kind": "debit"],
    ]
    let items = Array(all.prefix(count))
    return ["count": .number(Double(items.count)), "latest": items.first ?? .null, "items": .list(items)]
}

private func order(_ number: String, status: String, zh: String, en: String, parcel: FlowValue) -> FlowValue {
    ["number": .string(number), "status": .string(status), "status_zh": .string(zh), "status_en": .string(en),
     "total": 299.0, "currency": "CNY", "placed": "2026-10-28", "items_zh": "蓝牙耳机", "items_en": "Bluetooth earphones",
     "parcel_count": parcel == .null ? 0 : 1, "parcel": parcel]
}

private func zh(_ text: String) -> SpokenItem { .text(text, .zhCN) }
private func en(_ text: String) -> SpokenItem { .text(text, .enUS) }

// MARK: - A call, as the adapter would drive it

/// Runs a ``FlowSession`` the way the call adapter does, with a manual clock: every
/// prompt plays to its end before the caller presses the next key (``settle()``), timers
/// fire when the test lets time pass, and the test answers each store request.
private struct DemoCall {
    private(set) var session: FlowSession
    private(set) var now: Int64 = 1_000_000
    /// Everything played, in order.
    private(set) var heard: [SpokenItem] = []
    private(set) var steps: [IVRStep] = []
    /// The request the session waits for.
    private(set) var request: IVRAction?
    /// The final `.transfer` or `.hangup`.
    private(set) var end: IVRAction?
    private(set) var recordingPauses = 0
    private var timers: [IVRTimer: Int64] = [:]
    private var playing = false

    init(_ flowName: String, caller: String, dialled: String) throws {
        let flows = DemoFlowsTests.loaded.flows
        let flow = try XCTUnwrap(flows.first { $0.name == flowName }, "flows/demo has no flow '\(flowName)'")
        let subflows = Dictionary(flows.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        session = FlowSession(flow: flow, subflows: subflows,
                              call: CallInfo(callerNumber: caller, dialled: dialled, callID: "demo-\(flowName)"))
        run(session.start(now: Timestamp(millisecondsSinceEpoch: now)))
    }

    var path: [String] { session.path.map(\.name) }

    var transfer: TransferRequest? {
        guard case .transfer(let request)? = end else { return nil }
        return request
    }

    /// Lets every prompt play to its end.
    mutating func settle() {
        while playing, end == nil {
            playing = false
            handle(.playbackFinished, after: 1500)
        }
    }

    /// Presses each key after the prompts in progress have played.
    mutating func press(_ keys: String, file: StaticString = #filePath, line: UInt = #line) {
        for key in keys {
            settle()
            guard end == nil, request == nil else {
                XCTFail("key \(key): the call \(end == nil ? "waits for \(request!)" : "has ended"); path \(path)",
                        file: file, line: line)
                return
            }
            handle(.digit(key), after: 300)
        }
    }

    /// Lets time pass until the next timer (a menu's or collect's timeout) fires, and
    /// what it leads to play.
    mutating func waitForTimeout(file: StaticString = #filePath, line: UInt = #line) {
        settle()
        guard let (timer, deadline) = timers.min(by: { $0.value < $1.value }) else {
            XCTFail("no timer runs; path \(path)", file: file, line: line)
            return
        }
        timers[timer] = nil
        handle(.timer(timer), after: max(0, deadline - now))
        settle()
    }

    mutating func answerLookup(_ value: FlowValue?, file: StaticString = #filePath, line: UInt = #line) {
        answer(file: file, line: line) { .lookupResult(request: $0, value) }
    }

    mutating func answerVerify(_ outcome: VerifyOutcome, file: StaticString = #filePath, line: UInt = #line) {
        answer(file: file, line: line) { .verifyResult(request: $0, outcome) }
    }

    mutating func answerCreated(_ value: FlowValue?, file: StaticString = #filePath, line: UInt = #line) {
        answer(file: file, line: line) { .created(request: $0, value) }
    }

    private mutating func answer(file: StaticString, line: UInt, _ event: (Int) -> IVREvent) {
        settle()
        let id: Int
        switch request {
        case .lookup(let n, _, _)?, .create(let n, _, _)?, .verify(let n, _, _, _)?: id = n
        default:
            XCTFail("no store request is waiting (\(String(describing: request))); path \(path)", file: file, line: line)
            return
        }
        request = nil
        handle(event(id), after: 40)
    }

    private mutating func handle(_ event: IVREvent, after milliseconds: Int64) {
        now += milliseconds
        run(session.handle(event, now: Timestamp(millisecondsSinceEpoch: now)))
    }

    private mutating func run(_ actions: [IVRAction]) {
        for action in actions {
            switch action {
            case .play(let items, _):
                heard += items
                playing = true
            case .stopPlayback:
                playing = false
            case .startTimer(let timer, let at):
                timers[timer] = at.millisecondsSinceEpoch
            case .cancelTimer(let timer):
                timers[timer] = nil
            case .pauseRecording:
                recordingPauses += 1
            case .resumeRecording:
                break
            case .lookup, .create, .verify, .http, .recordVoicemail, .storeCallback:
                request = action
            case .transfer, .hangup:
                end = action
                playing = false
            case .step(let step):
                steps.append(step)
            }
        }
    }
}
