#pragma once
// Lexicon-based sentiment for English and Chinese shopper messages. It feeds
// the handoff policy (frustration) until a learned model replaces or joins it.
#include <string>
#include <string_view>
#include <vector>

namespace parley {

struct sentiment_result {
    double score = 0.0;        // [-1, 1], negative = unhappy; ~0 for plain requests
    double frustration = 0.0;  // [0, 1], how strongly the shopper sounds angry or fed up;
                               // one strong cue ("scam", "气死") or two complaint cues
                               // ("ridiculous" + "been waiting") reach about 0.5-0.7
    // Matched lexicon entries as they appear in the text, with the negation or
    // degree word that changed them ("not helpful", "太垃圾"), then a "!!!"/"???"
    // run and "shouting" when those counted. At most 32, first ones kept.
    std::vector<std::string> cues;
};

// `text` is already normalized (see text.hpp: lower-case, half-width,
// collapsed whitespace). English matches whole words and short phrases,
// Chinese (and emoji) match as substrings. Handles negation ("not happy",
// "不满意" vs "满意"), intensifiers and diminishers ("very", "非常", "太",
// "有点"), contrast ("..., but ...", "但是"), repeated punctuation ("!!!",
// "???"); shouting is detected by the caller from the raw text
// (raw_upper_ratio = share of upper-case letters, ignored for very short text).
// Pure: no I/O, no locale, safe to call from several threads.
sentiment_result analyze_sentiment(std::string_view text, double raw_upper_ratio = 0.0);

// Joins the lexicon's frustration with the student model's probability
// (models/student.onnx's frustration head). The lexicon is precise but misses
// most complaints; the model hears more but is less sure, so its probability
// only counts above 0.5 and is scaled down so that a handoff still needs a
// confident model or a lexicon cue as well. The coefficients were set by hand,
// not fitted; models/MODEL_CARD.md reports what they give on the dev sets.
double combine_frustration(double lexicon, double model_probability);

}  // namespace parley
