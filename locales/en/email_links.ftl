verify-email-title = Confirm your email address
verify-email-lead = Press the button to confirm that this address is yours.
verify-email-button = Confirm my email address

invitation-title = Join your organisation
invitation-lead = You have been invited to join an organisation in the clearing house. Choose your name as colleagues will see it, and a password.
invitation-name = Your full name
invitation-password = Password
invitation-button = Join
invitation-name-invalid = Enter your name, up to 200 characters.
invitation-password-invalid = Enter a password of 12 to 128 characters.
invitation-token-invalid = This invitation does not work any more. Ask your organisation's administrator for a new one.
invitation-token-taken = This email address already has an account. Sign in instead.

unsubscribe-title = Stop these emails
unsubscribe-lead = Press the button and the clearing house stops sending you this kind of email. You can turn it on again in your notification preferences.
unsubscribe-button = Stop these emails

reconfirm-title = Keep your need open
reconfirm-lead = Needs that nobody reconfirms expire, so that providers only see current ones. Press the button if your organisation still needs this help.
reconfirm-button = Keep it open

report-title = How did it go?
report-rating = How much did it help your organisation?
report-rating-option = { $rating ->
    [5] 5: it changed a lot
    [1] 1: it did not help
   *[other] { $rating }
}
report-outcome = What changed?
report-outcome-hint = A few sentences, up to 5000 characters. Coordinators read every report to learn which support works.
report-button = Send the report
report-rating-invalid = Choose a rating from 1 to 5.
report-outcome-invalid = Say in up to 5000 characters what changed.

outcome-email-verified-title = Email address confirmed
outcome-email-verified-body = Your email address is confirmed. You can close this page, or sign in.
outcome-password-changed-title = Password changed
outcome-password-changed-body = Your password is changed, and you are signed out everywhere. Sign in with the new password.
outcome-invitation-accepted-title = Welcome
outcome-invitation-accepted-body = Your account is ready. Sign in with your email address and password.
outcome-need-reconfirmed-title = Your need stays open
outcome-need-reconfirmed-body = Done: your need stays open. The clearing house will ask again before it expires.
outcome-report-recorded-title = Thank you
outcome-report-recorded-body = Your report is recorded. Coordinators read every report to learn which support works.
outcome-unsubscribed-title = You will not get these emails any more
outcome-unsubscribed-body = Done: these emails are off. You can turn them on again in your notification preferences.

email-unverified = First confirm your email address: open the link in the email we sent when you registered. Until then you can write drafts, but not publish, propose matches or invite anyone.
email-unverified-resend-link = Send the confirmation email again
verify-resend-title = Confirm your email address
verify-resend-lead = We send a link to { $email }. Open it to confirm that the address is yours; then you can publish, propose matches and invite colleagues.
verify-resend-button = Send the confirmation email again
verify-resend-sent = Done: a new link is on its way to { $email }. It works for 48 hours.
verify-resend-confirmed = Your address { $email } is already confirmed: there is nothing to do.
