package wizard

// SecretWebhookAuthHeader names, in a profile's Secrets, the random value
// given to Stream as the auth_header of the profile's webhook
// subscriptions. It is sealed with the other secrets; the receiver checks
// it when a delivery carries an Authorization header.
const SecretWebhookAuthHeader = "WEBHOOK_AUTH_HEADER"
