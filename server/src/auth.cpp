#include "auth.hpp"

#include <sodium.h>

#include <stdexcept>

namespace parley::server {

static_assert(password_cost{}.ops == crypto_pwhash_OPSLIMIT_INTERACTIVE);
static_assert(password_cost{}.mem == crypto_pwhash_MEMLIMIT_INTERACTIVE);
static_assert(crypto_pwhash_ALG_DEFAULT == crypto_pwhash_ALG_ARGON2ID13);

namespace {

// sodium_init() is itself idempotent, but it must have returned before any
// other call; a function-local static gives that once, thread-safely.
void ensure_sodium() {
    static const bool ok = sodium_init() >= 0;
    if (!ok) throw std::runtime_error("libsodium could not be initialised");
}

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

std::string to_hex(const unsigned char* data, std::size_t size) {
    std::string out(size * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), data, size);
    out.pop_back();  // the terminating NUL
    return out;
}

}  // namespace

std::string hash_password(std::string_view password, password_cost cost) {
    ensure_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops, cost.mem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("password hashing failed (out of memory?)");
    return out;
}

bool verify_password(std::string_view hash, std::string_view password) {
    ensure_sodium();
    // libsodium wants a NUL-terminated string that fits its buffer size.
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES ||
        hash.find('\0') != std::string_view::npos)
        return false;
    const std::string h(hash);
    return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool password_needs_rehash(std::string_view hash, password_cost cost) {
    ensure_sodium();
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return true;
    const std::string h(hash);
    return crypto_pwhash_str_needs_rehash(h.c_str(), cost.ops, cost.mem) != 0;
}

std::string random_token(std::size_t size) {
    ensure_sodium();
    std::string raw(size, '\0');
    randombytes_buf(raw.data(), raw.size());
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string out(sodium_base64_ENCODED_LEN(size, variant), '\0');
    sodium_bin2base64(out.data(), out.size(), bytes(raw), raw.size(), variant);
    sodium_memzero(raw.data(), raw.size());
    out.resize(out.find('\0'));
    return out;
}

std::string sha256_hex(std::string_view data) {
    ensure_sodium();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, bytes(data), data.size());
    return to_hex(digest, sizeof digest);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    ensure_sodium();
    // The init/update/final API accepts keys of any length (hashing long ones
    // as RFC 2104 says); crypto_auth_hmacsha256() would insist on 32 bytes.
    crypto_auth_hmacsha256_state state;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&state, bytes(key), key.size());
    crypto_auth_hmacsha256_update(&state, bytes(message), message.size());
    crypto_auth_hmacsha256_final(&state, mac);
    sodium_memzero(&state, sizeof state);
    return to_hex(mac, sizeof mac);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    ensure_sodium();
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool verify_user_hash(std::string_view shop_secret, std::string_view user_id,
                      std::string_view hash_hex) {
    if (shop_secret.empty() || user_id.empty()) return false;
    if (hash_hex.size() != crypto_auth_hmacsha256_BYTES * 2) return false;
    std::string given(hash_hex);
    for (char& c : given)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    return constant_time_equal(hmac_sha256_hex(shop_secret, user_id), given);
}

}  // namespace parley::server
