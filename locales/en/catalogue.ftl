# The catalogue's pages: needs and offers. `$noun` is `need` or `offer`.

catalogue-browse-title = { $noun ->
    [need] Needs for help
   *[offer] Help on offer
 }
catalogue-browse-lead = { $noun ->
    [need] What health organisations need, newest first. Narrow the list with the filters; each need's page says everything about it.
   *[offer] What organisations offer to health organisations, newest first. Narrow the list with the filters.
 }
catalogue-browse-none = { $noun ->
    [need] No open needs match these filters.
   *[offer] No open offers match these filters.
 }
catalogue-filters-label = { $noun ->
    [need] Filter the needs
   *[offer] Filter the offers
 }
catalogue-results-heading = Results
catalogue-next-page = Next page
catalogue-new-link = { $noun ->
    [need] Post a need
   *[offer] Post an offer
 }
catalogue-filter-q = Words to look for
catalogue-filter-q-hint = In the title and description. For example: backups, training
catalogue-filter-theme = Theme
catalogue-filter-any-theme = Any theme
catalogue-filter-all-of = All of { $theme }
catalogue-filter-country = Country
catalogue-filter-any-country = Any country
catalogue-filter-language = Language
catalogue-filter-any-language = Any language
catalogue-filter-urgency = Urgency
catalogue-filter-kind = Kind of help
catalogue-filter-any = Any
catalogue-filter-sort = Order
catalogue-filter-button = Show the results
catalogue-sort-newest = Newest first
catalogue-sort-urgency = Most urgent first
catalogue-sort-wanted_by = Soonest wanted first
catalogue-sort-available_until = Ending soonest first
filter-theme-invalid = Choose a theme from the list.
filter-country-invalid = Choose a country from the list.
filter-language-invalid = Choose a language from the list.
filter-q-invalid = Type at least one word, with letters or digits.
filter-urgency-invalid = Choose an urgency from the list.
filter-kind-invalid = Choose a kind of help from the list.
filter-sort-invalid = Choose an order from the list.
filter-sort-cursor = This next-page link is out of date. Show the results again from the first page.

catalogue-anonymous-owner = { $kind ->
    [ministry] A ministry of health
    [health_agency] A public health agency
    [hospital] A hospital
   *[other] A health organisation
 } in { $place }
catalogue-posted-by = Posted by { $name }
catalogue-caption = { $noun ->
    [need] Need
   *[offer] Offer
 }
catalogue-description-heading = What it is about
catalogue-details-heading = Details
catalogue-manage-heading = { $noun ->
    [need] Manage this need
   *[offer] Manage this offer
 }
catalogue-edit-link = { $noun ->
    [need] Edit this need
   *[offer] Edit this offer
 }
catalogue-candidates-link = { $noun ->
    [need] See the offers that could meet this need
   *[offer] See the needs this offer could meet
 }
catalogue-action-publish = Publish
catalogue-action-withdraw = Withdraw
catalogue-action-close = Close
catalogue-action-reconfirm = Confirm it is still needed
catalogue-changed-since = This changed since you opened it, so nothing was done. Read the page again as it is now, then choose again.
catalogue-refused-state = That cannot be done in the state it is in now, so nothing changed.
catalogue-refused-unverified = It cannot be published yet: a coordinator has not verified your organisation. You can keep it as a draft until then.
catalogue-refused-past = It cannot be published: its end date has passed. Edit the dates first.
catalogue-refused-open-matches = It cannot end while matches are in progress on it, so nothing changed. Complete or cancel these matches first:
catalogue-open-match-link = Match { $id }

catalogue-propose-heading = Propose a match
catalogue-propose-choose = { $noun ->
    [need] Your offer that could meet this need
   *[offer] Your need that this offer could meet
 }
catalogue-propose-note = A note for the coordinators (optional)
catalogue-propose-note-hint = Why this is a good match, or what the other side should know.
catalogue-propose-button = Propose a match
catalogue-propose-this = Propose this match
catalogue-propose-none = { $noun ->
    [need] To propose a match, first publish an offer of your own.
   *[offer] To propose a match, first publish a need of your own.
 }

catalogue-fact-status = State
catalogue-fact-country = Country
catalogue-fact-themes = Themes
catalogue-fact-languages = Languages
catalogue-fact-delivery = How it can be delivered
catalogue-fact-urgency = Urgency
catalogue-fact-quantity = How much is needed
catalogue-fact-covered = delivered so far
catalogue-fact-wanted-from = Wanted from
catalogue-fact-wanted-by = Wanted by
catalogue-fact-budget = Budget
catalogue-fact-none = None stated
catalogue-fact-visibility = Who can see it
catalogue-fact-anonymous = Organisation's name
catalogue-fact-anonymous-value = Hidden from providers until a match with them is active
catalogue-fact-kind = Kind of help
catalogue-fact-serves = Where
catalogue-fact-capacity = Capacity
catalogue-fact-left = left
catalogue-fact-available-from = Available from
catalogue-fact-available-until = Available until
catalogue-fact-no-end = No end date
catalogue-fact-funding = Funding
catalogue-serves-everywhere = Every country

catalogue-mine-title = { $noun ->
    [need] Your organisation's needs
   *[offer] Your organisation's offers
 }
catalogue-mine-lead = { $noun ->
    [need] Every need your organisation has written, in every state: drafts only you and the coordinators can see, open needs, matched ones and closed ones.
   *[offer] Every offer your organisation has written, in every state.
 }
catalogue-mine-none = { $noun ->
    [need] Your organisation has not written any needs yet.
   *[offer] Your organisation has not written any offers yet.
 }

catalogue-candidates-title = { $noun ->
    [need] Offers that could meet this need
   *[offer] Needs this offer could meet
 }
catalogue-candidates-lead = Ranked for “{ $title }”: the best fit first. Each one says why it fits.
catalogue-candidates-none = { $noun ->
    [need] No open offer meets this need yet. You will get an email when one does.
   *[offer] No open need that you may read fits this offer yet. You will get an email when one does.
 }
catalogue-candidate-score = Fit: { $percent }%
catalogue-candidate-why = Why it fits
catalogue-back-to-item = { $noun ->
    [need] Back to the need
   *[offer] Back to the offer
 }

catalogue-new-title = { $noun ->
    [need] Post a need
   *[offer] Post an offer
 }
catalogue-edit-title = { $noun ->
    [need] Edit the need
   *[offer] Edit the offer
 }
catalogue-form-lead = { $noun ->
    [need] Say what help your organisation needs. It is saved as a draft that only your organisation and the coordinators can see; you publish it when it is ready.
   *[offer] Say what help your organisation can give. It is saved as a draft that only your organisation and the coordinators can see; you publish it when it is ready.
 }
catalogue-form-title = Title
catalogue-form-title-hint = { $noun ->
    [need] One line that says what you need, for example: Incident-response training for 20 hospital IT staff. 5 to 200 characters.
   *[offer] One line that says what you offer, for example: Ransomware tabletop exercise for hospital leadership. 5 to 200 characters.
 }
catalogue-form-description = Description
catalogue-form-description-hint = { $noun ->
    [need] What is the situation, what should the help achieve, and what is already in place? At least 20 characters.
   *[offer] What exactly do you provide, for whom, and how? At least 20 characters.
 }
catalogue-form-themes = Themes
catalogue-form-themes-hint = { $noun ->
    [need] Tick up to 10 themes the need is about. Matching offers share at least one.
   *[offer] Tick up to 10 themes the offer covers. Matching needs share at least one.
 }
catalogue-form-theme-general = { $theme } in general
catalogue-form-languages = Languages
catalogue-form-languages-hint = { $noun ->
    [need] The languages the help can be given in. Tick at least one, or type it below.
   *[offer] The languages you can work in. Tick at least one, or type it below.
 }
catalogue-form-other-languages = Other languages
catalogue-form-other-languages-hint = Two-letter ISO 639-1 codes separated by spaces, for example: am so
catalogue-form-delivery = How it can be delivered
catalogue-form-delivery-hint = { $noun ->
    [need] Tick every way you can receive the help.
   *[offer] Tick every way you can deliver it.
 }
catalogue-form-visibility = Who can see it once it is published
catalogue-form-visibility-hint = Your organisation and the coordinators always see it.
catalogue-form-currency = Currency
catalogue-form-currency-hint = A three-letter ISO 4217 code, for example: USD, EUR, KES
catalogue-form-choose-country = Choose a country
catalogue-form-create = Save as a draft
catalogue-form-save = Save the changes
catalogue-form-cancel = Cancel

need-form-country = Country
need-form-country-hint = Where the help is needed.
need-form-urgency = How urgent is it?
need-form-urgency-hint = Urgent needs are shown first to providers and coordinators.
need-form-quantity = How much is needed
need-form-quantity-hint = A whole number, for example the number of people to train or sites to assess.
need-form-wanted-from = Wanted from (optional)
need-form-wanted-from-hint = The first day the help can start.
need-form-wanted-by = Wanted by
need-form-wanted-by-hint = The last day the help is still useful. It must not be in the past.
need-form-budget-amount = Budget you have (optional)
need-form-budget-amount-hint = In whole units of the currency, if your organisation can pay for part of it.
need-anonymous = Hide my organisation's name
need-anonymous-hint = Your organisation's name is hidden from providers until a match with them is active. They see only what kind of organisation you are and your country, for example: A hospital in Kenya.

offer-form-kind = What kind of help is it?
offer-form-kind-hint = Choose the one that fits best.
offer-form-countries = Countries you serve
offer-form-countries-hint = Choose one or more (hold Ctrl, or Cmd on a Mac, to choose several). Or choose regions below, or every country.
offer-form-regions = Regions you serve
offer-form-regions-hint = Tick any regions you serve as a whole.
offer-form-global = Every country
offer-form-global-hint = Tick this if you can serve health organisations anywhere.
offer-form-capacity = Capacity
offer-form-capacity-hint = A whole number: how many engagements, seats or sites you can take on.
offer-form-available-from = Available from (optional)
offer-form-available-from-hint = The first day you can start.
offer-form-available-until = Available until (optional)
offer-form-available-until-hint = The last day of the offer. Leave it empty if it has no end.
offer-form-funding-amount = Funding amount
offer-form-funding-amount-hint = For funding offers only: the amount, in whole units of the currency.

need-title-invalid = Enter a title of 5 to 200 characters.
need-description-invalid = Enter a description of at least 20 characters (at most 10,000).
need-themes-invalid = Tick between 1 and 10 themes.
need-country-invalid = Choose the country where the help is needed.
need-languages-invalid = Tick or type between 1 and 10 languages.
need-other_languages-invalid = Type two-letter ISO 639-1 codes, for example: am so
need-delivery_modes-invalid = Tick at least one way the help can be delivered.
need-urgency-invalid = Choose how urgent it is.
need-quantity-invalid = Enter a whole number between 1 and 1,000,000.
need-wanted_from-invalid = Enter a date that is not after the wanted-by date.
need-wanted_by-invalid = Enter the date the help is wanted by; it must not be in the past.
need-budget_amount-invalid = Enter the budget as a whole number, with its currency.
need-budget_currency-invalid = Enter a three-letter currency code, for example USD, with the amount.
need-visibility-invalid = Choose who can see it.
offer-kind-invalid = Choose what kind of help it is.
offer-title-invalid = Enter a title of 5 to 200 characters.
offer-description-invalid = Enter a description of at least 20 characters (at most 10,000).
offer-themes-invalid = Tick between 1 and 10 themes.
offer-countries-invalid = Choose the countries or regions you serve, or tick every country.
offer-regions-invalid = Tick regions from the list.
offer-languages-invalid = Tick or type between 1 and 10 languages.
offer-other_languages-invalid = Type two-letter ISO 639-1 codes, for example: am so
offer-delivery_modes-invalid = Tick at least one way you can deliver it.
offer-capacity-invalid = Enter a whole number between 1 and 1,000,000.
offer-available_from-invalid = Enter a date that is not after the end of availability.
offer-available_until-invalid = Enter a date that is not in the past, or leave it empty.
offer-funding_amount-invalid = A funding offer states its amount and currency; other kinds of offer leave it empty.
offer-funding_currency-invalid = Enter a three-letter currency code, for example USD, with the amount.
offer-visibility-invalid = Choose who can see it.

need-status-draft = Draft: only your organisation and the coordinators see it
need-status-open = Open
need-status-matched = Matched
need-status-in_progress = Help under way
need-status-fulfilled = Fulfilled
need-status-withdrawn = Withdrawn
need-status-closed = Closed
need-status-expired = Expired: not confirmed in time
offer-status-draft = Draft: only your organisation and the coordinators see it
offer-status-open = Open
offer-status-committed = Committed
offer-status-exhausted = Fully taken
offer-status-withdrawn = Withdrawn
offer-status-closed = Closed
offer-status-expired = Expired
urgency-low = Low
urgency-medium = Medium
urgency-high = High
urgency-critical = Critical
delivery-remote = Remotely
delivery-on_site = On site
delivery-hybrid = Partly on site, partly remotely
offer-kind-training = Training
offer-kind-expert_support = Expert support
offer-kind-assessment = Assessment
offer-kind-exercise = Exercise
offer-kind-tooling = Tools
offer-kind-funding = Funding
need-visibility-public = Everyone
need-visibility-public-hint = Anyone can read it, without signing in.
need-visibility-verified_providers = Verified providers
need-visibility-verified_providers-hint = Only people of provider organisations that a coordinator has verified can read it.
need-visibility-coordinators = Coordinators only
need-visibility-coordinators-hint = No provider can read it; the coordinators look for help on your behalf.
offer-visibility-public = Everyone
offer-visibility-public-hint = Anyone can read it, without signing in.
offer-visibility-verified_organisations = Verified organisations
offer-visibility-verified_organisations-hint = Only people of organisations that a coordinator has verified can read it.
offer-visibility-coordinators = Coordinators only
offer-visibility-coordinators-hint = Only the coordinators can read it; they propose it where it fits.
region-africa = Africa
region-northern_africa = Northern Africa
region-eastern_africa = Eastern Africa
region-middle_africa = Middle Africa
region-southern_africa = Southern Africa
region-western_africa = Western Africa
region-americas = The Americas
region-latin_america_caribbean = Latin America and the Caribbean
region-northern_america = Northern America
region-asia = Asia
region-central_asia = Central Asia
region-eastern_asia = Eastern Asia
region-south_eastern_asia = South-eastern Asia
region-southern_asia = Southern Asia
region-western_asia = Western Asia
region-europe = Europe
region-eastern_europe = Eastern Europe
region-northern_europe = Northern Europe
region-southern_europe = Southern Europe
region-western_europe = Western Europe
region-oceania = Oceania

home-figures-heading = The clearing house today
home-figures-open = { $count ->
    [one] open need for help
   *[other] open needs for help
 }
home-figures-matched = { $count ->
    [one] need matched with help
   *[other] needs matched with help
 }
home-figures-countries = { $count ->
    [one] country reached
   *[other] countries reached
 }
home-figures-by-theme = Open needs by theme
home-figures-theme-count = { $count ->
    [one] 1 open need
   *[other] { $count } open needs
 }

## Eligibility: who may use an offer, and what a need says that its rules read

offer-form-eligibility-hint = Who may use this offer. Leave a question unanswered if your offer has no such rule: requesters who do not meet a rule you state never see the offer among their candidates.
offer-form-requester-kinds = Only for these kinds of organisation (optional)
offer-form-requester-kinds-hint = Tick kinds only when the help is by its nature one kind of body's work (a sectoral CSIRT programme for ministries, say). If it is for public bodies in general, such as "ministries and public hospitals", tick none and choose public below: a health agency is a public health body too and would be shut out.
offer-form-sector = Public or private institutions
offer-form-sector-hint = Whether the offer is only for public or only for private institutions. "For public hospitals" or "for ministries and public hospitals" means public; ministries and health agencies count as public.
offer-form-only-after-incident = Only after an incident
offer-form-only-after-incident-hint = Tick this if the offer is only for organisations that have had a cyber incident.
offer-form-eligible-costs = Costs it pays for (funding only)
offer-form-eligible-costs-hint = Tick none if the grant does not restrict what it may be spent on.
offer-form-audiences = Who it is made for (optional)
offer-form-audiences-hint = The people a training or other help is designed for.
need-form-sector = Is your organisation public or private?
need-form-sector-hint = Some offers are only for public or only for private institutions. Ministries and health agencies count as public.
need-form-after-incident = This need follows a cyber incident
need-form-after-incident-hint = Tick this if your organisation has had an incident that this need comes from; some help is given only after one.
need-form-costs = Costs you need money for (optional)
need-form-costs-hint = Grants that pay for none of these are not shown to you.
need-form-audiences = Who the help is for (optional)
need-form-audiences-hint = The people to train or support.
catalogue-fact-eligibility = Who may use it
catalogue-fact-audiences = Made for
catalogue-eligibility-none = Any requester; no restriction stated
catalogue-eligibility-only = Only
catalogue-eligibility-sector-public = only public institutions
catalogue-eligibility-sector-private = only private institutions
catalogue-eligibility-sector-either = public and private institutions
catalogue-eligibility-after-incident = only after an incident
catalogue-eligibility-costs = pays for
sector-choice- = Not stated
sector-choice-public = Public
sector-choice-private = Private
sector-choice-either = Either
requester-kind-ministry = Ministries
requester-kind-health_agency = Health agencies
requester-kind-hospital = Hospitals
cost-training = Training costs
cost-equipment = Equipment
cost-licences = Software licences
cost-services = Services and consultants
cost-staff = Staff salaries
cost-recovery = Recovery after an incident
cost-insurance = Cyber insurance premiums
audience-technical_staff = Technical staff (IT, security, CSIRT)
audience-clinicians = Clinicians and care staff
audience-management = Management and policy makers
audience-trainers = Trainers
audience-all_staff = All staff
