// Numeric command-line options. Every one states its range in its --help line and is read
// strictly (runtime/parse_number.h): "-1" for a count, "nan" or "inf" for a rate, an empty
// value or one out of range is a usage error naming the option, never a wrapped-around or
// clamped value. tests/cli/options_test.cc walks every numeric option of every command with
// values just outside its stated range.
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/error.h"
#include "runtime/parse_number.h"

namespace graphmini::cli {

template <typename T>
const char* number_type_name() {
  return std::integral<T> ? "INT" : "NUMBER";
}

// Parses one value of option `name` or throws CLI::ValidationError.
template <typename T>
T parse_option_value(const std::string& name, std::string_view text, T min, T max) {
  const std::optional<T> value = parse_number(text, min, max);
  if (!value) {
    throw CLI::ValidationError(name, quote(text) + " is not " + describe_range(min, max));
  }
  return *value;
}

// The help text with the range at its end: "layers (default 2) [1, 16]".
template <typename T>
std::string with_range(const std::string& help, T min, T max) {
  return help + " " + range_text(min, max);
}

// An option that sets `field` (a number, or an optional one left unset when the option is
// not given).
template <typename Field, typename T>
CLI::Option* add_number(CLI::App& app, const std::string& flags, Field& field, T min, T max,
                        const std::string& help) {
  CLI::Option* option = app.add_option_function<std::string>(
      flags,
      [&field, flags, min, max](const std::string& text) {
        field = parse_option_value(flags.substr(flags.rfind(',') + 1), text, min, max);
      },
      with_range(help, min, max));
  option->type_name(number_type_name<T>());
  // The default, unless it stands for something else ("all cores" for a thread count of 0).
  if constexpr (std::same_as<Field, T>) {
    if (field >= min && field <= max) {
      char text[64];
      const auto result = std::to_chars(text, text + sizeof text, field);
      option->default_str(std::string(text, result.ptr));
    }
  }
  return option;
}

// A comma-separated list of numbers ("25,10"), each in [min, max].
template <typename T>
CLI::Option* add_numbers(CLI::App& app, const std::string& flags, std::vector<T>& field, T min,
                         T max, const std::string& help) {
  CLI::Option* option = app.add_option_function<std::string>(
      flags,
      [&field, flags, min, max](const std::string& text) {
        const std::string name = flags.substr(flags.rfind(',') + 1);
        std::vector<T> values;
        std::string_view rest = text;
        while (true) {
          const auto comma = rest.find(',');
          values.push_back(parse_option_value(name, rest.substr(0, comma), min, max));
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
        field = std::move(values);
      },
      with_range(help, min, max));
  option->type_name(std::string(number_type_name<T>()) + ",...");
  return option;
}

}  // namespace graphmini::cli
