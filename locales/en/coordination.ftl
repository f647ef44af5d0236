coordination-back = Back to the coordination queue
coordination-allocation-link = The proposed allocation of capacity
coordination-gaps-link = The gap report
coordination-outbox-link = Emails that could not be delivered
coordination-audit-link = The audit log
coordination-urgency-low = Low
coordination-urgency-medium = Medium
coordination-urgency-high = High
coordination-urgency-critical = Critical

queue-title = Coordination
queue-lead = What waits for a coordinator.
queue-actions = Actions
queue-verified = The organisation is verified. Its administrators are told.
queue-organisations-heading = Organisations to verify
queue-organisations-none = No organisation waits to be verified.
queue-organisation-name = Name
queue-organisation-kind = Kind
queue-organisation-country = Country
queue-organisation-registered = Registered
queue-verify-button = Verify
queue-proposed-heading = Proposed matches to approve or reject
queue-proposed-none = No proposed match waits for a decision.
queue-score = Score: { $score }
queue-approve-button = Approve
queue-reject-button = Reject
queue-waiting-heading = Approved matches waiting for a side
queue-waiting-lead = Approved matches that a side has not accepted for { $days ->
    [one] a day
   *[other] { $days } days
} or more.
queue-waiting-none = No approved match has waited that long.

allocation-title = Proposed allocation
allocation-lead = A proposed spread of all open offer capacity over all open needs, most urgent first. Propose a row to turn it into a match.
allocation-quantity = Quantity
allocation-urgency = Urgency
allocation-propose-button = Propose
allocation-none = No open offer can meet an open need right now.
allocation-coverage-heading = What the allocation covers
allocation-needs = Needs
allocation-fully-covered = Fully covered
allocation-units-wanted = Units wanted
allocation-units-allocated = Units allocated
allocation-all = All urgencies

gaps-title = Gap report
gaps-lead = Where needs go unmet, and how matching performs.
gaps-chart-heading = Unmet needs by theme
gaps-chart-title = Open needs with no match under way, by theme
gaps-chart-text = { $total ->
    [one] One open need has no match under way.
   *[other] { $total } open needs have no match under way.
} By theme:
gaps-chart-item = { $theme }: { $count }
gaps-none = Every open need has a match under way.
gaps-numbers-heading = The numbers
gaps-published = Needs published
gaps-matched = Needs matched
gaps-unmatched = Open needs without a match
gaps-median-days = Median days to a match
gaps-completed = Matches completed
gaps-delivered = Units delivered
gaps-rating = Average rating at completion
gaps-requester-rating = Average rating by the organisations helped
gaps-not-yet = None yet
gaps-table-heading = Unmet needs by country and theme
gaps-table-lead = Each cell counts the open needs without a match; its shade and its label give the most urgent of them.
gaps-country = Country

outbox-title = Emails that could not be delivered
outbox-lead = These emails failed every attempt. Fix the cause (an address, the mail server), then retry them.
outbox-recipient = Recipient
outbox-kind = Kind
outbox-last-error = Last error
outbox-attempts = Attempts
outbox-retry-button = Retry
outbox-none = Every email was delivered.
outbox-retried = The email will be sent again.

audit-title = Audit log
audit-entity = Entity
audit-entity-any = Any
audit-entity-need = Need
audit-entity-offer = Offer
audit-entity-organisation = Organisation
audit-entity-match = Match
audit-entity-match_report = Match report
audit-entity-id = Entity id
audit-filter-button = Filter the log
audit-at = When
audit-action = Action
audit-actor = Who (user id)
audit-changed = Fields changed
audit-system = The clearing house
audit-none = No line matches.
