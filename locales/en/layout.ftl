site-name = Health Cyber Clearing House
layout-skip-link = Skip to main content
layout-nav-label = Main
layout-footer = The clearing house matches the cyber-security needs of health organisations with the people, programmes, tools and funds that can meet them.
layout-footer-api = The API for partner systems

nav-my-needs = My needs
nav-my-offers = My offers
nav-matches = Matches
nav-organisation = Organisation
nav-coordination = Coordination
nav-sign-out = Sign out
nav-sign-in = Sign in
nav-register = Register

form-error-summary-title = There is a problem
form-error-prefix = Error:
field-invalid = Check this answer.
field-control_character = Remove the control characters from this answer (line breaks and tabs are fine).
password-rule-hint = Use 12 to 128 characters. A few unrelated words make a strong password that is easy to remember.

link-incomplete = This link is incomplete. Open the whole link from the email, or copy all of it into the address bar.
link-dead = This link does not work any more: it has expired, was already used, or is not complete.

kind-ministry = Ministry of health
kind-health_agency = Public health agency
kind-hospital = Hospital or clinic
kind-ngo = Non-governmental organisation
kind-company = Company
kind-donor = Donor or funder
kind-academia = University or research institute
kind-intergovernmental = Intergovernmental organisation
kind-secretariat = Clearing-house secretariat

role-member = Member
role-org_admin = Administrator
role-coordinator = Coordinator
