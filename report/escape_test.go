package report

import "testing"

func TestEscapeMarkdownAndCodeSpans(t *testing.T) {
	for _, tc := range []struct{ in, md, code string }{
		{"plain text: 20% off, a-b.c", "plain text: 20% off, a-b.c", "`plain text: 20% off, a-b.c`"},
		{"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;", "`<img src=x onerror=alert(1)>`"},
		{"**b** _i_ [l](u) ~~s~~ $x$ # h", `\*\*b\*\* \_i\_ \[l\](u) \~\~s\~\~ \$x\$ \# h`, "`**b** _i_ [l](u) ~~s~~ $x$ # h`"},
		{"see http://e.x/a and www.e.x", `see http\://e.x/a and www\.e.x`, "`see http://e.x/a and www.e.x`"},
		{"a `tick` and ``two``", "a \\`tick\\` and \\`\\`two\\`\\`", "``` a `tick` and ``two`` ```"},
		{"`edge`", "\\`edge\\`", "`` `edge` ``"},
		{"line\nbreak & \\ back", `line break &amp; \\ back`, "`line break & \\ back`"},
		{"nul\x00://x", `nul\://x`, "`nul://x`"},
	} {
		if got := escMD(tc.in); got != tc.md {
			t.Errorf("escMD(%q) = %q, want %q", tc.in, got, tc.md)
		}
		if got := codeSpan(tc.in); got != tc.code {
			t.Errorf("codeSpan(%q) = %q, want %q", tc.in, got, tc.code)
		}
	}
}
