#include "tools/gen/newline_count.h"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fullerene::gen {

size_t CountNewlines(absl::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  size_t count = 0;
#if defined(__SSE2__)
  // SSE2 is part of x86-64 itself, so no runtime dispatch is needed. Each compare gives -1 per
  // matching byte; subtracting it counts matches in 16 byte-wide lanes, which may run 255
  // rounds before a lane could wrap. Then one SAD against zero adds the 16 lanes up.
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  while (end - p >= 16) {
    __m128i lanes = zero;
    const size_t rounds = static_cast<size_t>(end - p) / 16;
    const char* const stop = p + 16 * (rounds < 255 ? rounds : 255);
    for (; p != stop; p += 16) {
      const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(chunk, newline));
    }
    const __m128i sums = _mm_sad_epu8(lanes, zero);
    count += static_cast<size_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; p != end; ++p) {
    count += *p == '\n';
  }
  return count;
}

}  // namespace fullerene::gen
