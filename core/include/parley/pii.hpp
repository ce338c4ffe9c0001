#pragma once
// PII masking: personal data is replaced by typed placeholders before text is
// stored, logged or indexed. The originals are returned beside the masked text
// so a flow can still use them (the order number of an order-status lookup,
// the email of a ticket) without ever writing them down.
#include <string>
#include <string_view>
#include <vector>

namespace parley {

enum class pii_kind { email, phone, card, cn_id, order_number };

// Placeholder text for a kind: "[EMAIL]", "[PHONE]", "[CARD]", "[CN_ID]", "[ORDER]".
std::string_view pii_placeholder(pii_kind kind);
// Stable lower-case name: "email", "phone", "card", "cn_id", "order_number".
std::string_view pii_name(pii_kind kind);
// Inverse of pii_name; false if unknown.
bool pii_kind_from_name(std::string_view name, pii_kind& out);

struct pii_entity {
    pii_kind kind;
    std::string value;  // the original text as the shopper typed it
    std::size_t begin;  // byte offset in the input text
    std::size_t end;    // one past the last byte in the input text
};

struct pii_rules {
    bool email = true;
    bool phone = true;
    bool card = true;
    bool cn_id = true;
    bool order_number = true;
    // Order numbers are shop specific: a standalone token made of an optional
    // '#', the optional shop prefix, then order_min_digits..order_max_digits
    // ASCII digits (e.g. "1001", "#1001", "SO-1001" with prefix "SO-").
    std::string order_prefix;          // e.g. "SO-" (optional, case-insensitive)
    std::size_t order_min_digits = 4;  // digits after the optional '#' / prefix
    std::size_t order_max_digits = 10;
};

struct pii_result {
    std::string masked;                // text with placeholders
    std::vector<pii_entity> entities;  // in order of appearance
};

// Masks every enabled kind. Precedence when spans overlap: email, cn_id (18
// chars, checksum and birth date valid), card (Luhn valid, 13-19 digits with
// optional spaces/dashes), phone (international +CC..., Chinese mobile
// 1[3-9]x 11 digits, common national formats with >= 7 digits), then order
// numbers. cn_id goes before card because one 18-digit ID in ten also passes
// Luhn, while 18-digit cards are rare and the ID check is much stricter.
// A plain digit run of up to 10 digits is an order number, never a phone.
// Dates, decimals, versions, prices ("$19.99", "1999元") are left alone.
// Never throws; invalid UTF-8 is passed through untouched (bytes outside
// matches are copied as is).
pii_result mask_pii(std::string_view text, const pii_rules& rules = {});

// Validators, exposed for flows that check a slot value.
bool luhn_valid(std::string_view digits);      // digits only
bool cn_id_valid(std::string_view id18);       // 17 digits + digit or X/x, real birth date
bool looks_like_email(std::string_view text);  // whole text is one address

}  // namespace parley
