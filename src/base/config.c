/*
 * config.c: the configuration table and its loaders (see config.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "iban.h"
#include "config.h"
#include "netaddr.h"
#include "mem.h"

static int	check_db_url(const char *, char *, size_t);
static int	check_listen(const char *, char *, size_t);
static int	check_url(const char *, char *, size_t);
static int	check_level(const char *, char *, size_t);
static int	check_hours(const char *, char *, size_t);
static int	check_hexkey(const char *, char *, size_t);
static int	check_smtp_url(const char *, char *, size_t);
static int	check_proxies(const char *, char *, size_t);
static int	check_today(const char *, char *, size_t);
static int	check_psp_shop(const char *, char *, size_t);
static int	check_psp_mode(const char *, char *, size_t);
static int	check_url_or_empty(const char *, char *, size_t);
static int	check_listen_or_empty(const char *, char *, size_t);
static int	check_page_url(const char *, char *, size_t);
static int	check_ics(const char *, char *, size_t);
static int	check_creditor_iban(const char *, char *, size_t);
static int	check_bic(const char *, char *, size_t);
static int	check_siren(const char *, char *, size_t);
static int	check_seccomp(const char *, char *, size_t);

const struct rb_cfg_def rb_cfg_defs[RB_CFG__MAX] = {
	[RB_CFG_DB] = { "db", RB_CFGT_STRING, 1, 4096,
	    "sqlite:var/robinet.db", 0, check_db_url,
	    "database URL: sqlite:PATH or postgresql://..." },
	[RB_CFG_LISTEN] = { "listen", RB_CFGT_STRING, 3, 64,
	    "127.0.0.1:8080", 0, check_listen,
	    "address and port to listen on (IPv4 ADDR:PORT)" },
	[RB_CFG_PUBLIC_URL] = { "public_url", RB_CFGT_STRING, 8, 512,
	    "http://127.0.0.1:8080", 0, check_url,
	    "absolute base URL used in emails and redirects" },
	[RB_CFG_STATIC_DIR] = { "static_dir", RB_CFGT_STRING, 1, 1024,
	    ROBINET_SRCDIR "/src/web/static", 0, NULL,
	    "folder of CSS, images and fonts served under /static/" },
	[RB_CFG_DEMO] = { "demo", RB_CFGT_BOOL, 0, 1, "false", 0, NULL,
	    "demo mode: local stand-ins for outside services" },
	[RB_CFG_TODAY] = { "today", RB_CFGT_STRING, 0, 64, "", 0, check_today,
	    "demo mode only: the date the server believes it is in Paris "
	    "(YYYY-MM-DD; empty: the real date)" },
	[RB_CFG_AUTO_MIGRATE] = { "auto_migrate", RB_CFGT_BOOL, 0, 1,
	    "false", 0, NULL,
	    "let serve apply missing migrations instead of refusing to start" },
	[RB_CFG_THREADS] = { "threads", RB_CFGT_INT, 1, 256, "4", 0, NULL,
	    "threads answering requests" },
	[RB_CFG_SLOW_WORKERS] = { "slow_workers", RB_CFGT_INT, 1, 256, "2", 0,
	    NULL, "threads for slow work (password hashing): at most this "
	    "many such jobs run at once" },
	[RB_CFG_MAX_CONNECTIONS] = { "max_connections", RB_CFGT_INT,
	    1, 100000, "512", 0, NULL, "connections open at once" },
	[RB_CFG_MAX_CONNECTIONS_PER_IP] = { "max_connections_per_ip",
	    RB_CFGT_INT, 1, 100000, "64", 0, NULL,
	    "connections open at once from one IP address" },
	[RB_CFG_TRUSTED_PROXIES] = { "trusted_proxies", RB_CFGT_STRING, 0,
	    1024, "", 0, check_proxies, "reverse proxies (addresses or "
	    "ADDRESS/PREFIX, comma-separated) whose X-Forwarded-For names "
	    "the client; empty: the header is ignored" },
	[RB_CFG_IDLE_TIMEOUT] = { "idle_timeout", RB_CFGT_INT, 1, 3600,
	    "15", 0, NULL, "seconds a connection may stay silent" },
	[RB_CFG_REQUEST_TIMEOUT] = { "request_timeout", RB_CFGT_INT, 1, 3600,
	    "30", 0, NULL,
	    "seconds a client has to send a whole request" },
	[RB_CFG_MAX_HEADER_BYTES] = { "max_header_bytes", RB_CFGT_INT,
	    2048, 1048576, "16384", 0, NULL,
	    "size of the request line and headers" },
	[RB_CFG_MAX_BODY_BYTES] = { "max_body_bytes", RB_CFGT_INT,
	    0, 67108864, "65536", 0, NULL,
	    "size of a request body (larger: 413)" },
	[RB_CFG_MAX_FORM_FIELDS] = { "max_form_fields", RB_CFGT_INT,
	    1, 10000, "64", 0, NULL, "fields in one form or query string" },
	[RB_CFG_MAX_FIELD_BYTES] = { "max_field_bytes", RB_CFGT_INT,
	    16, 1048576, "8192", 0, NULL, "length of one form field" },
	[RB_CFG_SHUTDOWN_GRACE] = { "shutdown_grace", RB_CFGT_INT, 0, 600,
	    "10", 0, NULL,
	    "seconds to finish requests in flight on SIGTERM" },
	[RB_CFG_DB_POOL_SIZE] = { "db_pool_size", RB_CFGT_INT, 1, 1024,
	    "16", 0, NULL, "database connections open at once" },
	[RB_CFG_LOG_LEVEL] = { "log_level", RB_CFGT_STRING, 4, 5, "info",
	    0, check_level, "error, warn, info or debug" },
	[RB_CFG_TEMPLATE_STRICT] = { "template_strict", RB_CFGT_BOOL, 0, 1,
	    "false", 0, NULL,
	    "fail on unknown template keys (tests turn it on)" },
	[RB_CFG_SERVICE_PHONE] = { "service_phone", RB_CFGT_STRING, 4, 32,
	    "09 69 32 22 12", 0, NULL, "customer service phone number" },
	[RB_CFG_SERVICE_HOURS] = { "service_hours", RB_CFGT_STRING, 11, 11,
	    "08:30-18:30", 0, check_hours,
	    "customer service hours, Monday to Friday, Paris time" },
	[RB_CFG_NEWS_RECHECK_MS] = { "news_recheck_ms", RB_CFGT_INT, 0, 60000,
	    "1000", 0, NULL, "milliseconds a server serves its kept home page "
	    "before reading the news stamp again (a change made through "
	    "another server or by hand shows within it; 0: at every request)" },
	[RB_CFG_SESSION_CACHE] = { "session_cache", RB_CFGT_BOOL, 0, 1,
	    "true", 0, NULL, "keep valid sessions in memory, told of their "
	    "end by the database (PostgreSQL LISTEN/NOTIFY; turn off behind "
	    "a pooler in transaction mode; SQLite: always off)" },
	[RB_CFG_DATA_CACHE] = { "data_cache", RB_CFGT_BOOL, 0, 1,
	    "true", 0, NULL, "keep what the subscriber's pages read in "
	    "memory, told of every change by the database's triggers "
	    "(PostgreSQL LISTEN/NOTIFY; turn off behind a pooler in "
	    "transaction mode; SQLite: always off)" },
	[RB_CFG_DIRECT_ANSWERS] = { "direct_answers", RB_CFGT_BOOL, 0, 1,
	    "true", 0, NULL, "answer GET and HEAD requests without a body "
	    "in the front gate's thread, not through libmicrohttpd, while a "
	    "connection has sent libmicrohttpd nothing" },
	[RB_CFG_DATA_KEY] = { "data_key", RB_CFGT_STRING, 0, 64, "", 1,
	    check_hexkey, "64 hex digits: key for bank details and agents' "
	    "TOTP secrets at rest" },
	[RB_CFG_SESSION_IDLE] = { "session_idle", RB_CFGT_INT, 1, 86400,
	    "1800", 0, NULL, "seconds of inactivity that end a session" },
	[RB_CFG_SESSION_ABSOLUTE] = { "session_absolute", RB_CFGT_INT, 1,
	    604800, "43200", 0, NULL, "seconds after which a session ends" },
	[RB_CFG_ACTIVATION_TTL] = { "activation_ttl", RB_CFGT_INT, 1,
	    604800, "86400", 0, NULL, "seconds an activation link is valid" },
	[RB_CFG_RESET_TTL] = { "reset_ttl", RB_CFGT_INT, 300, 86400, "3600",
	    0, NULL, "seconds a password reset link is valid" },
	[RB_CFG_EMAIL_CHANGE_TTL] = { "email_change_ttl", RB_CFGT_INT, 300,
	    604800, "86400", 0, NULL,
	    "seconds a new email address has to be confirmed" },
	[RB_CFG_CLAIM_TTL] = { "claim_ttl", RB_CFGT_INT, 60, 86400, "1800", 0,
	    NULL, "seconds between the two steps of account creation" },
	[RB_CFG_PWHASH_MEMORY_KIB] = { "pwhash_memory_kib", RB_CFGT_INT,
	    19456, 4194304, "19456", 0, NULL,
	    "argon2id memory in KiB (OWASP floor 19 MiB)" },
	[RB_CFG_PWHASH_PASSES] = { "pwhash_passes", RB_CFGT_INT, 2, 64, "2", 0,
	    NULL, "argon2id passes (OWASP floor 2)" },
	[RB_CFG_RL_WINDOW] = { "rl_window", RB_CFGT_INT, 1, 86400, "3600", 0,
	    NULL, "seconds over which failures are counted" },
	[RB_CFG_RL_PER_IP] = { "rl_per_ip", RB_CFGT_INT, 1, 1000000, "50", 0,
	    NULL, "failures per window from one IP (IPv6: /64) before refusals" },
	[RB_CFG_RL_PER_ACCOUNT] = { "rl_per_account", RB_CFGT_INT, 1,
	    1000000, "100", 0, NULL,
	    "failures per window on one email or old id from one address "
	    "before refusals" },
	[RB_CFG_RL_PER_CONTRACT] = { "rl_per_contract", RB_CFGT_INT, 1,
	    1000000, "10", 0, NULL,
	    "failed proofs per window on one contract number from one "
	    "address before refusals" },
	[RB_CFG_RL_GLOBAL] = { "rl_global", RB_CFGT_INT, 1, 100000000,
	    "10000", 0, NULL, "failures per window in all (per way in) before "
	    "attempts without a device cookie are delayed" },
	[RB_CFG_RL_PER_MAIL] = { "rl_per_mail", RB_CFGT_INT, 1, 1000000, "5",
	    0, NULL, "reset or activation emails per address per window" },
	[RB_CFG_RL_ID_FACTOR] = { "rl_id_factor", RB_CFGT_INT, 1, 10000,
	    "10", 0, NULL, "failures on one email, old id or contract from "
	    "every address, as a multiple of rl_per_account or "
	    "rl_per_contract, past which attempts are delayed" },
	[RB_CFG_RL_DELAY_MAX] = { "rl_delay_max", RB_CFGT_INT, 1, 60, "5", 0,
	    NULL, "longest delay, in seconds, before an attempt on an "
	    "identifier past its ceiling or past rl_global" },
	[RB_CFG_RL_PER_DEVICE] = { "rl_per_device", RB_CFGT_INT, 1, 1000000,
	    "10", 0, NULL, "failures per window with one device cookie "
	    "before it is refused" },
	[RB_CFG_DEVICE_TTL] = { "device_ttl", RB_CFGT_INT, 3600, 63072000,
	    "15552000", 0, NULL, "seconds a device cookie (a browser where "
	    "the identifier was proved) lasts unused" },
	[RB_CFG_SMTP_URL] = { "smtp_url", RB_CFGT_STRING, 0, 1024, "", 1,
	    check_smtp_url, "smtp://host:port or smtps://user:pass@host" },
	[RB_CFG_SMTP_STARTTLS] = { "smtp_starttls", RB_CFGT_BOOL, 0, 1,
	    "false", 0, NULL, "require STARTTLS on smtp:// URLs" },
	[RB_CFG_MAIL_FROM] = { "mail_from", RB_CFGT_STRING, 3, 256,
	    "Service de l'eau de la Métropole <ne-pas-repondre@eau.example>",
	    0, NULL, "sender of outgoing email" },
	[RB_CFG_MAIL_DIR] = { "mail_dir", RB_CFGT_STRING, 1, 1024,
	    "var/mail", 0, NULL,
	    "demo mode: folder where outgoing email is written" },
	[RB_CFG_API_TOKENS_PER_ACCOUNT] = { "api_tokens_per_account",
	    RB_CFGT_INT, 1, 100, "5", 0, NULL,
	    "personal API tokens an account may hold at once" },
	[RB_CFG_API_RL_WINDOW] = { "api_rl_window", RB_CFGT_INT, 1, 3600,
	    "3600", 0, NULL, "seconds over which API requests are counted "
	    "(at most an hour: purge keeps two)" },
	[RB_CFG_API_RL_PER_TOKEN] = { "api_rl_per_token", RB_CFGT_INT, 1,
	    1000000, "1000", 0, NULL,
	    "API requests per window with one token" },
	[RB_CFG_API_RL_PER_IP] = { "api_rl_per_ip", RB_CFGT_INT, 1, 1000000,
	    "2000", 0, NULL, "API requests per window from one IP" },
	[RB_CFG_PDF_CACHE_DIR] = { "pdf_cache_dir", RB_CFGT_STRING, 1, 1024,
	    "var/pdf", 0, NULL,
	    "folder where generated bill PDFs are cached" },
	[RB_CFG_EMERGENCY_PHONE] = { "emergency_phone", RB_CFGT_STRING, 4, 32,
	    "09 69 32 22 13", 0, NULL,
	    "emergency number (leaks, no water), shown on bills" },
	/* Card payment through a hosted payment page (app/psp.h). */
	[RB_CFG_PSP_SHOP_ID] = { "psp_shop_id", RB_CFGT_STRING, 0, 8, "", 0,
	    check_psp_shop, "card payment: shop id at the payment provider "
	    "(8 digits; empty: no card payment)" },
	[RB_CFG_PSP_TEST_KEY] = { "psp_test_key", RB_CFGT_STRING, 0, 256, "",
	    1, NULL, "card payment: the shop's test key (psp_mode TEST)" },
	[RB_CFG_PSP_PRODUCTION_KEY] = { "psp_production_key", RB_CFGT_STRING,
	    0, 256, "", 1, NULL,
	    "card payment: the shop's production key (psp_mode PRODUCTION)" },
	[RB_CFG_PSP_MODE] = { "psp_mode", RB_CFGT_STRING, 4, 10, "TEST", 0,
	    check_psp_mode, "card payment: TEST or PRODUCTION" },
	[RB_CFG_PSP_PAGE_URL] = { "psp_page_url", RB_CFGT_STRING, 0, 512, "",
	    0, check_page_url, "card payment: the provider's payment "
	    "page, e.g. https://secure.payzen.eu/vads-payment/" },
	[RB_CFG_PSP_PUBLIC_URL] = { "psp_public_url", RB_CFGT_STRING, 0, 512,
	    "", 0, check_url_or_empty, "card payment: base URL of the portal "
	    "for the provider's return and notification (empty: public_url)" },
	[RB_CFG_PSP_ORDER_TTL] = { "psp_order_ttl", RB_CFGT_INT, 300, 86400,
	    "1200", 0, NULL, "card payment: seconds a payment in progress "
	    "holds its bills (no second payment of them meanwhile)" },
	[RB_CFG_PSP_SANDBOX_LISTEN] = { "psp_sandbox_listen", RB_CFGT_STRING,
	    0, 64, "", 0, check_listen_or_empty, "psp-sandbox and serve "
	    "--demo: where the stand-in payment page listens (empty: port "
	    "of listen + 1)" },
	/* SEPA direct debit (issue 9): the creditor of the pain.008 files. */
	[RB_CFG_SEPA_CREDITOR_ID] = { "sepa_creditor_id", RB_CFGT_STRING, 0,
	    RB_ICS_MAX, "", 0, check_ics,
	    "SEPA creditor identifier (ICS), e.g. FR72ZZZ123456" },
	[RB_CFG_SEPA_CREDITOR_NAME] = { "sepa_creditor_name", RB_CFGT_STRING,
	    1, 70, "Eau de la Metropole", 0, NULL,
	    "creditor name in SEPA files and mandates" },
	[RB_CFG_SEPA_CREDITOR_IBAN] = { "sepa_creditor_iban", RB_CFGT_STRING,
	    0, RB_IBAN_MAX, "", 0, check_creditor_iban,
	    "IBAN of the account the debits are paid into" },
	[RB_CFG_SEPA_CREDITOR_BIC] = { "sepa_creditor_bic", RB_CFGT_STRING, 0,
	    11, "", 0, check_bic, "BIC of the creditor's bank" },
	[RB_CFG_SEPA_PRENOTICE_DAYS] = { "sepa_prenotice_days", RB_CFGT_INT,
	    2, 60, "14", 0, NULL,
	    "days between a debit's pre-notification and its collection" },
	/* issue 9, paperless billing */
	[RB_CFG_BILL_NOTICE_DAYS] = { "bill_notice_days", RB_CFGT_INT, 0,
	    3650, "60", 0, NULL, "import: a current bill issued at most this "
	    "many days ago is new: announced by email (paperless) or "
	    "flagged for printing" },
	/* issue 10, contact form and attachments */
	[RB_CFG_ATTACHMENTS_DIR] = { "attachments_dir", RB_CFGT_STRING, 1,
	    1024, "var/attachments", 0, NULL, "folder of the files sent "
	    "with requests (outside the static folder; shared by every app "
	    "server)" },
	[RB_CFG_ATTACHMENT_MAX_BYTES] = { "attachment_max_bytes",
	    RB_CFGT_INT, 1024, 20971520, "5242880", 0, NULL,
	    "size of one attached file" },
	[RB_CFG_ATTACHMENT_MAX_COUNT] = { "attachment_max_count",
	    RB_CFGT_INT, 0, 10, "3", 0, NULL,
	    "files attached to one message" },
	[RB_CFG_CONTACT_MIN_FILL] = { "contact_min_fill", RB_CFGT_INT, 0,
	    600, "3", 0, NULL, "seconds a person needs at least to fill "
	    "the contact form (faster: refused as automatic)" },
	[RB_CFG_CONTACT_MAX_CHARS] = { "contact_max_chars", RB_CFGT_INT, 100,
	    20000, "4000", 0, NULL, "characters of one message to customer "
	    "service" },
	[RB_CFG_RL_CONTACT_PER_IP] = { "rl_contact_per_ip", RB_CFGT_INT, 1,
	    100000, "10", 0, NULL, "requests and messages to customer "
	    "service per rl_window from one IP (IPv6: /64)" },
	[RB_CFG_RL_CONTACT_PER_EMAIL] = { "rl_contact_per_email",
	    RB_CFGT_INT, 1, 100000, "5", 0, NULL, "requests to customer "
	    "service per rl_window for one email address" },
	/* The back office (issue 10, agents) */
	[RB_CFG_AGENT_SESSION_IDLE] = { "agent_session_idle", RB_CFGT_INT, 1,
	    86400, "900", 0, NULL, "seconds of inactivity that end an agent's "
	    "session" },
	[RB_CFG_AGENT_SESSION_ABSOLUTE] = { "agent_session_absolute",
	    RB_CFGT_INT, 1, 604800, "28800", 0, NULL, "seconds after which an "
	    "agent's session ends" },
	/* issue 10, self-service: "Transmettre mon index" */
	[RB_CFG_INDEX_JUMP_FACTOR] = { "index_jump_factor", RB_CFGT_INT, 1,
	    100, "3", 0, NULL, "a subscriber's meter index more than this "
	    "many times the usual daily use times the days since the last "
	    "reading above it asks for a confirmation" },
	/* issue 10, files attached to outgoing mail */
	[RB_CFG_MAIL_ATTACH_MAX_BYTES] = { "mail_attach_max_bytes",
	    RB_CFGT_INT, 1024, 20971520, "5242880", 0, NULL, "bytes of files "
	    "one email may carry, all attachments together (before base64); "
	    "a message over it is refused when queued" },
	/* issue 11, braille documents (docs/braille.h) */
	[RB_CFG_BRAILLE_CELLS] = { "braille_cells", RB_CFGT_INT, 12, 60,
	    "32", 0, NULL, "braille documents: cells per line (embosser "
	    "files and Unicode braille)" },
	[RB_CFG_BRAILLE_LINES] = { "braille_lines", RB_CFGT_INT, 4, 60,
	    "27", 0, NULL, "braille documents: lines per page, the page "
	    "number's line included" },
	/* issue 11, text browsers (web/cookies.h) */
	[RB_CFG_DEMO_PLAIN_COOKIES] = { "demo_plain_cookies", RB_CFGT_BOOL,
	    0, 1, "true", 0, NULL, "demo mode on a loopback http:// "
	    "public_url only: cookies without Secure and __Host- so text "
	    "browsers keep them (false: as in production)" },
	/* issue 11, legal notice (/mentions-legales) and the former operator:
	 * placeholders a real utility replaces with its own. */
	[RB_CFG_LEGAL_PUBLISHER_NAME] = { "legal_publisher_name",
	    RB_CFGT_STRING, 1, 200, "Régie publique de l'eau de la Métropole "
	    "(exemple)", 0, NULL, "legal notice: the publisher, the public "
	    "water service running the portal" },
	[RB_CFG_LEGAL_PUBLISHER_ADDRESS] = { "legal_publisher_address",
	    RB_CFGT_STRING, 1, 300, "1 place de la Source, CS 30001, 59000 "
	    "Lille (adresse d'exemple)", 0, NULL,
	    "legal notice: the publisher's postal address" },
	[RB_CFG_LEGAL_PUBLISHER_SIREN] = { "legal_publisher_siren",
	    RB_CFGT_STRING, 0, 11, "", 0, check_siren, "legal notice: the "
	    "publisher's SIREN number (9 digits; empty: not shown)" },
	[RB_CFG_LEGAL_DIRECTOR] = { "legal_director", RB_CFGT_STRING, 1, 200,
	    "la directrice ou le directeur général de la régie (exemple)", 0,
	    NULL, "legal notice: the director of publication" },
	[RB_CFG_LEGAL_HOST_NAME] = { "legal_host_name", RB_CFGT_STRING, 0,
	    200, "", 0, NULL, "legal notice: the host of the portal (empty: "
	    "the publisher, on its own servers)" },
	[RB_CFG_LEGAL_HOST_ADDRESS] = { "legal_host_address", RB_CFGT_STRING,
	    0, 300, "", 0, NULL, "legal notice: the host's postal address" },
	[RB_CFG_LEGAL_HOST_PHONE] = { "legal_host_phone", RB_CFGT_STRING, 0,
	    32, "", 0, NULL, "legal notice: the host's phone number" },
	[RB_CFG_FORMER_OPERATOR_NAME] = { "former_operator_name",
	    RB_CFGT_STRING, 1, 200, "Ancien exploitant du service de l'eau "
	    "(exemple)", 0, NULL, "the operator of the service until "
	    "31 December 2023: the issuer of archived bills" },
	[RB_CFG_FORMER_OPERATOR_ADDRESS] = { "former_operator_address",
	    RB_CFGT_STRING, 0, 300, "", 0, NULL, "the former operator's "
	    "address, one line, on archived bills (empty: none)" },
	/* issue 12, production (docs/deploy.md) */
	[RB_CFG_BACKUP_STEP_PAGES] = { "backup_step_pages", RB_CFGT_INT, 1,
	    1048576, "256", 0, NULL, "robinet backup: database pages copied "
	    "per step" },
	[RB_CFG_BACKUP_PAUSE_MS] = { "backup_pause_ms", RB_CFGT_INT, 0,
	    10000, "5", 0, NULL, "robinet backup: milliseconds left to the "
	    "server between two steps" },
	[RB_CFG_RUN_AS_USER] = { "run_as_user", RB_CFGT_STRING, 0, 32, "", 0,
	    NULL, "serve started as root: the account it switches to once "
	    "its socket and database are open (empty: none, with a warning)" },
	[RB_CFG_SECCOMP] = { "seccomp", RB_CFGT_STRING, 3, 4, "kill", 0,
	    check_seccomp, "serve: system calls outside its allow-list "
	    "kill the process (kill), are logged by the kernel (log), or "
	    "run (off: to debug)" },
};

static int
check_db_url(const char *v, char *err, size_t n)
{
	if (strncmp(v, "sqlite:", 7) == 0 && v[7] != '\0')
		return 0;
	/* libpq reads the rest (an empty rest means its defaults). */
	if (strncmp(v, "postgresql://", 13) == 0 ||
	    strncmp(v, "postgres://", 11) == 0)
		return 0;
	snprintf(err, n, "expected sqlite:PATH or postgresql://...");
	return -1;
}

static int
check_listen(const char *v, char *err, size_t n)
{
	const char *colon = strrchr(v, ':');
	unsigned a, b, c, d;
	char *end;
	long port;
	int k;

	if (colon == NULL)
		goto bad;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535)
		goto bad;
	if (colon - v == 9 && strncmp(v, "localhost", 9) == 0)
		return 0;
	if (sscanf(v, "%3u.%3u.%3u.%3u:%n", &a, &b, &c, &d, &k) != 4 ||
	    v + k != colon + 1 || a > 255 || b > 255 || c > 255 || d > 255)
		goto bad;
	return 0;
bad:
	snprintf(err, n, "expected IPv4ADDR:PORT, e.g. 127.0.0.1:8080");
	return -1;
}

static int
check_url(const char *v, char *err, size_t n)
{
	if ((strncmp(v, "http://", 7) == 0 && v[7] != '\0') ||
	    (strncmp(v, "https://", 8) == 0 && v[8] != '\0'))
		if (v[strlen(v) - 1] != '/')
			return 0;
	snprintf(err, n, "expected an http(s) URL without trailing slash");
	return -1;
}

static int
check_seccomp(const char *v, char *err, size_t n)
{
	if (strcmp(v, "kill") == 0 || strcmp(v, "log") == 0 ||
	    strcmp(v, "off") == 0)
		return 0;
	snprintf(err, n, "expected kill, log or off");
	return -1;
}

static int
check_level(const char *v, char *err, size_t n)
{
	if (strcmp(v, "error") == 0 || strcmp(v, "warn") == 0 ||
	    strcmp(v, "info") == 0 || strcmp(v, "debug") == 0)
		return 0;
	snprintf(err, n, "expected error, warn, info or debug");
	return -1;
}

static int
check_hours(const char *v, char *err, size_t n)
{
	unsigned h1, m1, h2, m2;
	int k = 0;

	if (sscanf(v, "%2u:%2u-%2u:%2u%n", &h1, &m1, &h2, &m2, &k) == 4 &&
	    v[k] == '\0' && h1 < 24 && h2 < 24 && m1 < 60 && m2 < 60 &&
	    h1 * 60 + m1 < h2 * 60 + m2)
		return 0;
	snprintf(err, n, "expected HH:MM-HH:MM with opening before closing");
	return -1;
}

static int
check_hexkey(const char *v, char *err, size_t n)
{
	size_t i, len = strlen(v);

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)v[i]))
			break;
	if (len == 64 && i == len)
		return 0;
	snprintf(err, n, "expected 64 hexadecimal digits");
	return -1;
}

static int
check_smtp_url(const char *v, char *err, size_t n)
{
	if (v[0] == '\0' || strncmp(v, "smtp://", 7) == 0 ||
	    strncmp(v, "smtps://", 8) == 0)
		return 0;
	snprintf(err, n, "expected smtp://HOST[:PORT] or smtps://…");
	return -1;
}

static int
check_proxies(const char *v, char *err, size_t n)
{
	return rb_netlist_check(v, err, n);
}

static int
check_today(const char *v, char *err, size_t n)
{
	struct rb_date d;

	if (v[0] == '\0' || rb_clock_parse_date(v, &d) == 0)
		return 0;
	snprintf(err, n, "expected a date YYYY-MM-DD, or nothing");
	return -1;
}

static int
check_psp_shop(const char *v, char *err, size_t n)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++)
		if (v[i] < '0' || v[i] > '9')
			break;
	if (v[i] == '\0' && (i == 0 || i == 8))
		return 0;
	snprintf(err, n, "expected 8 digits, or nothing");
	return -1;
}

static int
check_ics(const char *v, char *err, size_t n)
{
	if (v[0] == '\0' || rb_ics_check(v) == 0)
		return 0;
	snprintf(err, n, "expected a SEPA creditor identifier such as "
	    "FR72ZZZ123456 (upper case, no spaces, valid check digits)");
	return -1;
}

/* 9 digits (spaces allowed) with a valid Luhn key, or empty. */
static int
check_siren(const char *v, char *err, size_t n)
{
	int digits = 0, sum = 0, d;
	const char *p;

	if (v[0] == '\0')
		return 0;
	for (p = v + strlen(v); p-- > v;) {
		if (*p == ' ')
			continue;
		if (*p < '0' || *p > '9')
			goto bad;
		d = *p - '0';
		if (digits++ % 2 == 1 && (d *= 2) > 9)
			d -= 9;
		sum += d;
	}
	if (digits == 9 && sum % 10 == 0)
		return 0;
bad:
	snprintf(err, n, "expected a SIREN number: 9 digits with a valid key");
	return -1;
}

static int
check_psp_mode(const char *v, char *err, size_t n)
{
	if (strcmp(v, "TEST") == 0 || strcmp(v, "PRODUCTION") == 0)
		return 0;
	snprintf(err, n, "expected TEST or PRODUCTION");
	return -1;
}

static int
check_creditor_iban(const char *v, char *err, size_t n)
{
	if (v[0] == '\0' || rb_iban_check(v) == 0)
		return 0;
	snprintf(err, n, "expected an IBAN in electronic form (upper case, "
	    "no spaces, valid check digits)");
	return -1;
}

static int
check_url_or_empty(const char *v, char *err, size_t n)
{
	return v[0] == '\0' ? 0 : check_url(v, err, n);
}

static int
check_page_url(const char *v, char *err, size_t n)
{
	if (v[0] == '\0' || (strncmp(v, "http://", 7) == 0 && v[7] != '\0') ||
	    (strncmp(v, "https://", 8) == 0 && v[8] != '\0'))
		return 0;
	snprintf(err, n, "expected an http(s) URL, or nothing");
	return -1;
}

static int
check_bic(const char *v, char *err, size_t n)
{
	size_t i, len = strlen(v);

	if (len == 0)
		return 0;
	if (len != 8 && len != 11)
		goto bad;
	for (i = 0; i < len; i++)
		if (!(isupper((unsigned char)v[i]) ||
		    (i >= 6 && isdigit((unsigned char)v[i]))))
			goto bad;
	return 0;
bad:
	snprintf(err, n, "expected a BIC of 8 or 11 characters, e.g. "
	    "BDFEFRPPXXX");
	return -1;
}

static int
check_listen_or_empty(const char *v, char *err, size_t n)
{
	return v[0] == '\0' ? 0 : check_listen(v, err, n);
}

static int
parse_bool(const char *v, long long *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < RB_NELEM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

void
rb_config_init(struct rb_config *cfg)
{
	char err[256];
	int k;

	memset(cfg, 0, sizeof(*cfg));
	for (k = 0; k < RB_CFG__MAX; k++)
		if (rb_config_set(cfg, k, rb_cfg_defs[k].def_default,
		    "default", err, sizeof(err)) != 0)
			abort();	/* a bad default is a programming error */
}

void
rb_config_free(struct rb_config *cfg)
{
	int k;

	for (k = 0; k < RB_CFG__MAX; k++) {
		free(cfg->cfg_str[k]);
		cfg->cfg_str[k] = NULL;
	}
}

int
rb_config_find(const char *name)
{
	int k;

	for (k = 0; k < RB_CFG__MAX; k++)
		if (strcmp(rb_cfg_defs[k].def_name, name) == 0)
			return k;
	return -1;
}

int
rb_config_set(struct rb_config *cfg, enum rb_cfg key, const char *value,
    const char *from, char *err, size_t errlen)
{
	const struct rb_cfg_def *d = &rb_cfg_defs[key];
	char why[200] = "";
	long long num = 0;
	size_t len = strlen(value);
	char *end;

	switch (d->def_type) {
	case RB_CFGT_INT:
		errno = 0;
		num = strtoll(value, &end, 10);
		if (value[0] == '\0' || *end != '\0' || errno != 0) {
			snprintf(why, sizeof(why), "not an integer");
			goto bad;
		}
		if (num < d->def_min || num > d->def_max) {
			snprintf(why, sizeof(why), "%lld is out of range "
			    "[%lld, %lld]", num, d->def_min, d->def_max);
			goto bad;
		}
		break;
	case RB_CFGT_BOOL:
		if (parse_bool(value, &num) != 0) {
			snprintf(why, sizeof(why), "expected true or false");
			goto bad;
		}
		break;
	case RB_CFGT_STRING:
		if ((long long)len < d->def_min || (long long)len > d->def_max) {
			snprintf(why, sizeof(why), "length %zu is out of range "
			    "[%lld, %lld]", len, d->def_min, d->def_max);
			goto bad;
		}
		break;
	default:
		abort();
	}
	if (d->def_check != NULL && d->def_check(value, why, sizeof(why)))
		goto bad;
	free(cfg->cfg_str[key]);
	cfg->cfg_str[key] = rb_xstrdup(value);
	cfg->cfg_int[key] = num;
	cfg->cfg_from[key] = from;
	return 0;
bad:
	snprintf(err, errlen, "%s: %s", d->def_name, why);
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
rb_config_load_file(struct rb_config *cfg, const char *path, char *err,
    size_t errlen)
{
	char line[8192], why[300], *name, *value, *eq;
	int k, lineno = 0, rc = -1;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		name = trim(line);
		if (*name == '\0' || *name == '#')
			continue;
		if ((eq = strchr(name, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected name = value",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		name = trim(name);
		value = trim(eq + 1);
		if ((k = rb_config_find(name)) < 0) {
			snprintf(err, errlen, "%s:%d: unknown setting %s",
			    path, lineno, name);
			goto out;
		}
		if (rb_config_set(cfg, k, value, "file", why, sizeof(why))) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			goto out;
		}
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

int
rb_config_load_env(struct rb_config *cfg, char *const *envp, char *err,
    size_t errlen)
{
	char name[128];
	const char *eq, *p;
	size_t i, n;
	int k;

	for (; *envp != NULL; envp++) {
		if (strncmp(*envp, "ROBINET_", 8) != 0)
			continue;
		p = *envp + 8;
		if ((eq = strchr(p, '=')) == NULL)
			continue;
		n = (size_t)(eq - p);
		if (n == 0 || n >= sizeof(name))
			continue;
		for (i = 0; i < n; i++)
			name[i] = (char)tolower((unsigned char)p[i]);
		name[n] = '\0';
		/* Build-time variables that are not settings. */
		if (strcmp(name, "srcdir") == 0)
			continue;
		if ((k = rb_config_find(name)) < 0) {
			snprintf(err, errlen, "ROBINET_%.*s: unknown setting",
			    (int)n, p);
			return -1;
		}
		if (rb_config_set(cfg, k, eq + 1, "env", err, errlen) != 0)
			return -1;
	}
	return 0;
}

int
rb_config_check(const struct rb_config *cfg, char *err, size_t errlen)
{
	if (cfg->cfg_str[RB_CFG_TODAY][0] != '\0' &&
	    !cfg->cfg_int[RB_CFG_DEMO]) {
		snprintf(err, errlen, "today: accepted in demo mode only "
		    "(demo = true, or serve --demo); a real server keeps the "
		    "real date");
		return -1;
	}
	return 0;
}

void
rb_config_print(const struct rb_config *cfg, rb_buf *out)
{
	const struct rb_cfg_def *d;
	int k;

	for (k = 0; k < RB_CFG__MAX; k++) {
		d = &rb_cfg_defs[k];
		if (d->def_secret)
			rb_buf_printf(out, "%-24s = %s", d->def_name,
			    cfg->cfg_str[k][0] ? "********" : "(unset)");
		else
			rb_buf_printf(out, "%-24s = %s", d->def_name,
			    cfg->cfg_str[k]);
		rb_buf_printf(out, "  # %s\n", cfg->cfg_from[k]);
	}
}

const char *
rb_config_str(const struct rb_config *cfg, enum rb_cfg key)
{
	return cfg->cfg_str[key];
}

long long
rb_config_int(const struct rb_config *cfg, enum rb_cfg key)
{
	return cfg->cfg_int[key];
}
