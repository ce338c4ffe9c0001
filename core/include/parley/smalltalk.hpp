#pragma once
// Greetings, thanks and goodbyes in English and Chinese. Matched only when the
// whole message is small talk ("thanks!", "谢谢你"), so "thanks, where is my
// order?" still goes to retrieval.
#include <string_view>

namespace parley {

enum class smalltalk_kind { none, greeting, thanks, goodbye };

// `text` is normalized.
smalltalk_kind detect_smalltalk(std::string_view text);

}  // namespace parley
