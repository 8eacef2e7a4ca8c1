# SPDX-License-Identifier: GPL-2.0-or-later
# A JSON Schema validator for the subset of draft 2020-12 that
# daemon/pageidled-stats.schema.json uses, so the tests check live output
# against the shipped schema with jq alone:
#   jq -r --slurpfile schema SCHEMA -f schema-check.jq DOCUMENT
# prints one line per violation ("$.cgroups[0].bytes: ...") and nothing
# when the document is valid.  A keyword it does not implement is itself
# reported, so the schema cannot outgrow the check unnoticed.

def keywords: ["$schema", "$id", "title", "description", "$defs", "$ref", "type", "required", "properties",
               "items", "minItems", "maxItems", "minimum", "maximum", "enum", "const", "pattern",
               "additionalProperties"];

def jtype: if type == "number" and . == floor then "integer" else type end;

def type_ok($t):
        jtype as $j
        | [($t | if type == "array" then .[] else . end) | select(. == $j or (. == "number" and $j == "integer"))]
        | length > 0;

def validate($s; $root; $path):
        ($s | keys_unsorted - keywords) as $unknown
        | (if ($unknown | length) > 0 then "\($path): the schema uses keywords this check lacks: \($unknown)" else empty end),
          (if ($s | has("$ref")) then
                validate($root | getpath($s["$ref"] | ltrimstr("#/") | split("/")); $root; $path)
           else empty end),
          (if ($s | has("type")) and (type_ok($s.type) | not) then
                "\($path): is \(jtype) \(tojson | .[0:80]), expected \($s.type | tojson)"
           else empty end),
          (if ($s | has("const")) and . != $s.const then "\($path): is \(tojson), expected \($s.const | tojson)"
           else empty end),
          (if ($s | has("enum")) and (. as $v | [$s.enum[] | select(. == $v)] | length == 0) then
                "\($path): is \(tojson), expected one of \($s.enum | tojson)"
           else empty end),
          (if type == "number" then
                (if ($s | has("minimum")) and . < $s.minimum then "\($path): \(.) is below \($s.minimum)" else empty end),
                (if ($s | has("maximum")) and . > $s.maximum then "\($path): \(.) is above \($s.maximum)" else empty end)
           else empty end),
          (if type == "string" and ($s | has("pattern")) and (test($s.pattern) | not) then
                "\($path): \(tojson) does not match \($s.pattern)"
           else empty end),
          (if type == "object" then
                . as $o
                | (($s.required // [])[] | select(. as $k | $o | has($k) | not) | "\($path): \(.) is missing"),
                  (($s.properties // {}) | to_entries[] | select(.key as $k | $o | has($k))
                   | . as $e | $o[$e.key] | validate($e.value; $root; "\($path).\($e.key)")),
                  (if $s.additionalProperties == false then
                        $o | keys[] | select(. as $k | ($s.properties // {}) | has($k) | not)
                        | "\($path): \(.) is not allowed"
                   else empty end)
           else empty end),
          (if type == "array" then
                (if ($s | has("minItems")) and length < $s.minItems then "\($path): fewer than \($s.minItems) items"
                 else empty end),
                (if ($s | has("maxItems")) and length > $s.maxItems then "\($path): more than \($s.maxItems) items"
                 else empty end),
                (if ($s | has("items")) then
                        range(0; length) as $i | .[$i] | validate($s.items; $root; "\($path)[\($i)]")
                 else empty end)
           else empty end);

$schema[0] as $s | validate($s; $s; "$")
