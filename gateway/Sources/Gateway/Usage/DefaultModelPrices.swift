/// The price table shipped in the binary, so pricing works offline: the same document as
/// config/model_prices.json (a test fails when the two differ). Regenerate this file from the JSON
/// when the table changes.
enum DefaultModelPrices {
    static let json = #"""
        {
          "version": "2026-11-30",
          "source": "List prices (standard tier, USD per million tokens) of OpenAI (openai.com/api/pricing) and Anthropic (docs.anthropic.com/en/docs/about-claude/pricing; cached input = cache reads). Transcribed on 2026-11-30 without network access from the last values the developers knew: check them against the providers' pages before billing. max_output_tokens: each model's documented output limit. Override with GATEWAY_MODEL_PRICES_FILE or a provider's \"prices\".",
          "models": {
            "claude-3-5-haiku-20241022": {
              "input_per_mtok": "0.80",
              "cached_input_per_mtok": "0.08",
              "output_per_mtok": "4",
              "max_output_tokens": 8192
            },
            "claude-3-5-haiku-latest": {
              "input_per_mtok": "0.80",
              "cached_input_per_mtok": "0.08",
              "output_per_mtok": "4",
              "max_output_tokens": 8192
            },
            "claude-3-7-sonnet-20250219": {
              "input_per_mtok": "3",
              "cached_input_per_mtok": "0.30",
              "output_per_mtok": "15",
              "max_output_tokens": 64000
            },
            "claude-3-7-sonnet-latest": {
              "input_per_mtok": "3",
              "cached_input_per_mtok": "0.30",
              "output_per_mtok": "15",
              "max_output_tokens": 64000
            },
            "claude-3-haiku-20240307": {
              "input_per_mtok": "0.25",
              "cached_input_per_mtok": "0.03",
              "output_per_mtok": "1.25",
              "max_output_tokens": 4096
            },
            "claude-haiku-4-5": {
              "input_per_mtok": "1",
              "cached_input_per_mtok": "0.10",
              "output_per_mtok": "5",
              "max_output_tokens": 64000
            },
            "claude-haiku-4-5-20251001": {
              "input_per_mtok": "1",
              "cached_input_per_mtok": "0.10",
              "output_per_mtok": "5",
              "max_output_tokens": 64000
            },
            "claude-opus-4-0": {
              "input_per_mtok": "15",
              "cached_input_per_mtok": "1.50",
              "output_per_mtok": "75",
              "max_output_tokens": 32000
            },
            "claude-opus-4-1": {
              "input_per_mtok": "15",
              "cached_input_per_mtok": "1.50",
              "output_per_mtok": "75",
              "max_output_tokens": 32000
            },
            "claude-opus-4-1-20250805": {
              "input_per_mtok": "15",
              "cached_input_per_mtok": "1.50",
              "output_per_mtok": "75",
              "max_output_tokens": 32000
            },
            "claude-opus-4-20250514": {
              "input_per_mtok": "15",
              "cached_input_per_mtok": "1.50",
              "output_per_mtok": "75",
              "max_output_tokens": 32000
            },
            "claude-opus-4-5": {
              "input_per_mtok": "5",
              "cached_input_per_mtok": "0.50",
              "output_per_mtok": "25",
              "max_output_tokens": 64000
            },
            "claude-opus-4-5-20251101": {
              "input_per_mtok": "5",
              "cached_input_per_mtok": "0.50",
              "output_per_mtok": "25",
              "max_output_tokens": 64000
            },
            "claude-sonnet-4-0": {
              "input_per_mtok": "3",
              "cached_input_per_mtok": "0.30",
              "output_per_mtok": "15",
              "max_output_tokens": 64000
            },
            "claude-sonnet-4-20250514": {
              "input_per_mtok": "3",
              "cached_input_per_mtok": "0.30",
              "output_per_mtok": "15",
              "max_output_tokens": 64000
            },
            "claude-sonnet-4-5": {
              "input_per_mtok": "3",
              "cached_input_per_mtok": "0.30",
              "output_per_mtok": "15",
              "max_output_tokens": 64000
            },
            "claude-sonnet-4-5-20250929": {
              "input_per_mtok": "3",
              "cached_input_per_mtok": "0.30",
              "output_per_mtok": "15",
              "max_output_tokens": 64000
            },
            "gpt-3.5-turbo": {
              "input_per_mtok": "0.50",
              "output_per_mtok": "1.50",
              "max_output_tokens": 4096
            },
            "gpt-4-turbo": {
              "input_per_mtok": "10.00",
              "output_per_mtok": "30.00",
              "max_output_tokens": 4096
            },
            "gpt-4.1": {
              "input_per_mtok": "2.00",
              "cached_input_per_mtok": "0.50",
              "output_per_mtok": "8.00",
              "max_output_tokens": 32768
            },
            "gpt-4.1-mini": {
              "input_per_mtok": "0.40",
              "cached_input_per_mtok": "0.10",
              "output_per_mtok": "1.60",
              "max_output_tokens": 32768
            },
            "gpt-4.1-nano": {
              "input_per_mtok": "0.10",
              "cached_input_per_mtok": "0.025",
              "output_per_mtok": "0.40",
              "max_output_tokens": 32768
            },
            "gpt-4o": {
              "input_per_mtok": "2.50",
              "cached_input_per_mtok": "1.25",
              "output_per_mtok": "10.00",
              "max_output_tokens": 16384
            },
            "gpt-4o-2024-08-06": {
              "input_per_mtok": "2.50",
              "cached_input_per_mtok": "1.25",
              "output_per_mtok": "10.00",
              "max_output_tokens": 16384
            },
            "gpt-4o-2024-11-20": {
              "input_per_mtok": "2.50",
              "cached_input_per_mtok": "1.25",
              "output_per_mtok": "10.00",
              "max_output_tokens": 16384
            },
            "gpt-4o-mini": {
              "input_per_mtok": "0.15",
              "cached_input_per_mtok": "0.075",
              "output_per_mtok": "0.60",
              "max_output_tokens": 16384
            },
            "gpt-4o-mini-2024-07-18": {
              "input_per_mtok": "0.15",
              "cached_input_per_mtok": "0.075",
              "output_per_mtok": "0.60",
              "max_output_tokens": 16384
            },
            "gpt-5": {
              "input_per_mtok": "1.25",
              "cached_input_per_mtok": "0.125",
              "output_per_mtok": "10.00",
              "max_output_tokens": 128000
            },
            "gpt-5-mini": {
              "input_per_mtok": "0.25",
              "cached_input_per_mtok": "0.025",
              "output_per_mtok": "2.00",
              "max_output_tokens": 128000
            },
            "gpt-5-nano": {
              "input_per_mtok": "0.05",
              "cached_input_per_mtok": "0.005",
              "output_per_mtok": "0.40",
              "max_output_tokens": 128000
            },
            "o1": {
              "input_per_mtok": "15.00",
              "cached_input_per_mtok": "7.50",
              "output_per_mtok": "60.00",
              "max_output_tokens": 100000
            },
            "o3": {
              "input_per_mtok": "2.00",
              "cached_input_per_mtok": "0.50",
              "output_per_mtok": "8.00",
              "max_output_tokens": 100000
            },
            "o3-mini": {
              "input_per_mtok": "1.10",
              "cached_input_per_mtok": "0.55",
              "output_per_mtok": "4.40",
              "max_output_tokens": 100000
            },
            "o4-mini": {
              "input_per_mtok": "1.10",
              "cached_input_per_mtok": "0.275",
              "output_per_mtok": "4.40",
              "max_output_tokens": 100000
            },
            "text-embedding-3-large": {
              "input_per_mtok": "0.13"
            },
            "text-embedding-3-small": {
              "input_per_mtok": "0.02"
            },
            "text-embedding-ada-002": {
              "input_per_mtok": "0.10"
            }
          }
        }
        """#
}
