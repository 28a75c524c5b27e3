import Foundation
import Storage
import StorageSQLite
import XCTest

/// The conformance suite against SQLite files in a temporary directory, the way
/// `hotline serve` runs by default.
final class SQLiteFileConformanceTests: XCTestCase {
    private var directory: URL!

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hotline-storage-tests-\(UUID().uuidString)")
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Each store gets its own data directory, so every check starts empty.
    private var suite: HotlineStoreConformance {
        let base = directory!
        return HotlineStoreConformance {
            try SQLiteStore(.dataDirectory(base.appendingPathComponent(UUID().uuidString).path))
        }
    }

    func testUserCreateFindUpdateDelete() async throws { try await suite.userCreateFindUpdateDelete() }
    func testUserConflicts() async throws { try await suite.userConflicts() }
    func testConcurrentUsernameCreates() async throws { try await suite.concurrentUsernameCreates() }
    func testUserValidation() async throws { try await suite.userValidation() }
    func testRolesAndSkills() async throws { try await suite.rolesAndSkills() }
    func testSIPCredentialRoundTrip() async throws { try await suite.sipCredentialRoundTrip() }
    func testPasswordHashRoundTrip() async throws { try await suite.passwordHashRoundTrip() }
    func testSIPCredentialsCascadeOnUserDelete() async throws { try await suite.sipCredentialsCascadeOnUserDelete() }
    func testCustomerFindByNormalizedPhone() async throws { try await suite.customerFindByNormalizedPhone() }
    func testCustomerConflictsAndValidation() async throws { try await suite.customerConflictsAndValidation() }
    func testCustomerUpdateAndDelete() async throws { try await suite.customerUpdateAndDelete() }
    func testCustomerNameSearch() async throws { try await suite.customerNameSearch() }
    func testCustomerPaging() async throws { try await suite.customerPaging() }
    func testInteractionLifecycle() async throws { try await suite.interactionLifecycle() }
    func testInteractionErrors() async throws { try await suite.interactionErrors() }
    func testJournalBatch() async throws { try await suite.journalBatch() }
    func testRecordingLifecycle() async throws { try await suite.recordingLifecycle() }
    func testRecordingErrors() async throws { try await suite.recordingErrors() }
    func testSelfServiceReferenceRoundTrip() async throws { try await suite.selfServiceReferenceRoundTrip() }
    func testSelfServiceConflicts() async throws { try await suite.selfServiceConflicts() }
    func testSelfServiceMissingParents() async throws { try await suite.selfServiceMissingParents() }
    func testTicketAndReturnNumbers() async throws { try await suite.ticketAndReturnNumbers() }
    func testConcurrentTicketNumbers() async throws { try await suite.concurrentTicketNumbers() }
    func testPINLifecycle() async throws { try await suite.pinLifecycle() }
    func testVoicemailsAndCallbacks() async throws { try await suite.voicemailsAndCallbacks() }
    func testIVRStepsAndSummaries() async throws { try await suite.ivrStepsAndSummaries() }
    func testSelfServiceCascadeOnCustomerDelete() async throws { try await suite.selfServiceCascadeOnCustomerDelete() }
    func testSelfServiceValidation() async throws { try await suite.selfServiceValidation() }
    func testAgentStateHistory() async throws { try await suite.agentStateHistory() }
    func testAgentStateErrors() async throws { try await suite.agentStateErrors() }
    func testCallRecordRoundTrip() async throws { try await suite.callRecordRoundTrip() }
    func testCallRecordReplace() async throws { try await suite.callRecordReplace() }
    func testCallRecordErrors() async throws { try await suite.callRecordErrors() }
    func testCallRecordPaging() async throws { try await suite.callRecordPaging() }
    func testRoutingJournalBatch() async throws { try await suite.routingJournalBatch() }
    func testCallRecordSearchFilters() async throws { try await suite.callRecordSearchFilters() }
    func testCallRecordSearchPaging() async throws { try await suite.callRecordSearchPaging() }
    func testAuditAppendAndRead() async throws { try await suite.auditAppendAndRead() }
    func testAuditConcurrentAppends() async throws { try await suite.auditConcurrentAppends() }
    func testAuditValidation() async throws { try await suite.auditValidation() }

    func testPersistsAcrossReopen() async throws {
        let path = directory.appendingPathComponent("data").path
        try await HotlineStoreConformance.persistsAcrossReopen { try SQLiteStore(.dataDirectory(path)) }
    }

    func testSelfServicePersistsAcrossReopen() async throws {
        let path = directory.appendingPathComponent("data").path
        try await HotlineStoreConformance.selfServicePersistsAcrossReopen { try SQLiteStore(.dataDirectory(path)) }
    }

    func testAuditPersistsAcrossReopen() async throws {
        let path = directory.appendingPathComponent("data").path
        try await HotlineStoreConformance.auditPersistsAcrossReopen { try SQLiteStore(.dataDirectory(path)) }
    }
}

/// The same suite against in-memory databases, which tests of other modules use.
final class SQLiteInMemoryConformanceTests: XCTestCase {
    private let suite = HotlineStoreConformance { try SQLiteStore(.inMemory) }

    func testUserCreateFindUpdateDelete() async throws { try await suite.userCreateFindUpdateDelete() }
    func testUserConflicts() async throws { try await suite.userConflicts() }
    func testConcurrentUsernameCreates() async throws { try await suite.concurrentUsernameCreates() }
    func testUserValidation() async throws { try await suite.userValidation() }
    func testRolesAndSkills() async throws { try await suite.rolesAndSkills() }
    func testSIPCredentialRoundTrip() async throws { try await suite.sipCredentialRoundTrip() }
    func testPasswordHashRoundTrip() async throws { try await suite.passwordHashRoundTrip() }
    func testSIPCredentialsCascadeOnUserDelete() async throws { try await suite.sipCredentialsCascadeOnUserDelete() }
    func testCustomerFindByNormalizedPhone() async throws { try await suite.customerFindByNormalizedPhone() }
    func testCustomerConflictsAndValidation() async throws { try await suite.customerConflictsAndValidation() }
    func testCustomerUpdateAndDelete() async throws { try await suite.customerUpdateAndDelete() }
    func testCustomerNameSearch() async throws { try await suite.customerNameSearch() }
    func testCustomerPaging() async throws { try await suite.customerPaging() }
    func testInteractionLifecycle() async throws { try await suite.interactionLifecycle() }
    func testInteractionErrors() async throws { try await suite.interactionErrors() }
    func testJournalBatch() async throws { try await suite.journalBatch() }
    func testRecordingLifecycle() async throws { try await suite.recordingLifecycle() }
    func testRecordingErrors() async throws { try await suite.recordingErrors() }
    func testSelfServiceReferenceRoundTrip() async throws { try await suite.selfServiceReferenceRoundTrip() }
    func testSelfServiceConflicts() async throws { try await suite.selfServiceConflicts() }
    func testSelfServiceMissingParents() async throws { try await suite.selfServiceMissingParents() }
    func testTicketAndReturnNumbers() async throws { try await suite.ticketAndReturnNumbers() }
    func testConcurrentTicketNumbers() async throws { try await suite.concurrentTicketNumbers() }
    func testPINLifecycle() async throws { try await suite.pinLifecycle() }
    func testVoicemailsAndCallbacks() async throws { try await suite.voicemailsAndCallbacks() }
    func testIVRStepsAndSummaries() async throws { try await suite.ivrStepsAndSummaries() }
    func testSelfServiceCascadeOnCustomerDelete() async throws { try await suite.selfServiceCascadeOnCustomerDelete() }
    func testSelfServiceValidation() async throws { try await suite.selfServiceValidation() }
    func testAgentStateHistory() async throws { try await suite.agentStateHistory() }
    func testAgentStateErrors() async throws { try await suite.agentStateErrors() }
    func testCallRecordRoundTrip() async throws { try await suite.callRecordRoundTrip() }
    func testCallRecordReplace() async throws { try await suite.callRecordReplace() }
    func testCallRecordErrors() async throws { try await suite.callRecordErrors() }
    func testCallRecordPaging() async throws { try await suite.callRecordPaging() }
    func testRoutingJournalBatch() async throws { try await suite.routingJournalBatch() }
    func testCallRecordSearchFilters() async throws { try await suite.callRecordSearchFilters() }
    func testCallRecordSearchPaging() async throws { try await suite.callRecordSearchPaging() }
    func testAuditAppendAndRead() async throws { try await suite.auditAppendAndRead() }
    func testAuditConcurrentAppends() async throws { try await suite.auditConcurrentAppends() }
    func testAuditValidation() async throws { try await suite.auditValidation() }
}
