#pragma once
// Credentials and tokens: agent passwords (Argon2id), session tokens, hashes
// of tokens for storage, and the HMAC that lets a shop vouch for a shopper's
// identity (`identify({user_id, user_hash})` in the widget API). Everything
// goes through libsodium; nothing here keeps state besides its one-time init.
#include <cstddef>
#include <string>
#include <string_view>

namespace parley::server {

// Argon2id cost. The default is libsodium's INTERACTIVE level (2 passes,
// 64 MiB), right for real agent accounts: a sign-in costs ~50-100 ms. Tests
// and the demo start-up hash several passwords and would spend seconds and
// hundreds of MiB on that, so they pass password_cost::minimal() (1 pass,
// 8 KiB) — never use it for real accounts. The cost is encoded in the hash
// string, so verify_password() needs no cost argument.
struct password_cost {
    unsigned long long ops = 2;  // crypto_pwhash_OPSLIMIT_INTERACTIVE
    std::size_t mem = 67108864;  // crypto_pwhash_MEMLIMIT_INTERACTIVE (bytes)

    static password_cost interactive() { return {}; }
    static password_cost minimal() { return {1, 8192}; }  // OPSLIMIT_MIN, MEMLIMIT_MIN
};

// "$argon2id$v=19$m=…,t=…,p=1$salt$hash" (ASCII, < 128 chars). Throws
// std::runtime_error when libsodium cannot allocate the memory limit.
std::string hash_password(std::string_view password, password_cost cost = {});
// False for a wrong password and for anything that is not a well-formed hash.
bool verify_password(std::string_view hash, std::string_view password);
// True when `hash` was made with other limits than `cost` (rehash on sign-in).
bool password_needs_rehash(std::string_view hash, password_cost cost = {});

// `bytes` bytes from the OS CSPRNG, base64url without padding (43 chars for
// 32 bytes): safe in URLs, cookies and JSON without escaping.
std::string random_token(std::size_t bytes = 32);

// Lowercase hex.
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// Compares in time that depends only on the lengths (which are not secret
// here: hashes and tokens have fixed lengths).
bool constant_time_equal(std::string_view a, std::string_view b);

// The widget's identity check: hash_hex must be HMAC-SHA256(shop_secret,
// user_id) in hex (either case). An empty secret (verification not set up)
// or an empty user_id never verifies.
bool verify_user_hash(std::string_view shop_secret, std::string_view user_id,
                      std::string_view hash_hex);

}  // namespace parley::server
