package mask

import "strings"

// Phone masks a phone number as stored: E.164, "+8613800138000" (see the phone
// field type).
//
//   - A mainland mobile number keeps the form it is stored in and hides the
//     four digits users expect hidden: "+86138****8000". The country code is
//     not set apart by a space, so the masked value has the same shape and
//     length as the stored one and a client that formats stored numbers (for
//     instance drops "+86" for display, giving the familiar 138****8000)
//     treats masked ones alike. An 11-digit mobile number without a country
//     code (data from before normalisation) gives "138****8000".
//   - A mainland landline keeps its area code, which says only the city
//     (2 digits for Beijing, 10, and 20–29; 3 for the others), and the last
//     four digits: "+8657187654321" → "+86571****4321", "+861012345678" →
//     "+8610****5678".
//   - Another number in E.164 form keeps "+", its country code and the last
//     four digits of the national number (the last three when the national
//     number has fewer than eight digits): "+14155552671" → "+1******2671",
//     "+442079460958" → "+44******0958".
//   - Anything else keeps its last two characters (never more than half of
//     them) and stars the rest: "12345" → "***45".
func Phone(v string) string {
	switch {
	case v == "":
		return ""
	case len(v) == 14 && strings.HasPrefix(v, "+861") && isDigits(v[1:]):
		return keep([]rune(v), 6, 4, -1)
	case len(v) == 11 && v[0] == '1' && isDigits(v):
		return keep([]rune(v), 3, 4, -1)
	case strings.HasPrefix(v, "+86") && len(v) >= 13 && len(v) <= 14 && (v[3] >= '2' || strings.HasPrefix(v[3:], "10")) && isDigits(v[1:]):
		// +86, the area code, a subscriber number of 7 or 8 digits
		area := 3
		if v[3] == '2' || strings.HasPrefix(v[3:], "10") {
			area = 2
		}
		return keep([]rune(v), 3+area, 4, -1)
	case v[0] == '+' && isDigits(v[1:]) && len(v) <= 16:
		c := countryCodeLen(v[1:])
		if m := len(v) - 1 - c; m >= 6 {
			return keep([]rune(v), 1+c, min(4, m/2), -1)
		}
	}
	return tail(v)
}

// twoDigitCodes are the two-digit country calling codes of ITU-T E.164; 1 and
// 7 are the one-digit ones and every other code has three digits.
var twoDigitCodes = map[string]bool{
	"20": true, "27": true, "30": true, "31": true, "32": true, "33": true, "34": true, "36": true, "39": true,
	"40": true, "41": true, "43": true, "44": true, "45": true, "46": true, "47": true, "48": true, "49": true,
	"51": true, "52": true, "53": true, "54": true, "55": true, "56": true, "57": true, "58": true,
	"60": true, "61": true, "62": true, "63": true, "64": true, "65": true, "66": true,
	"81": true, "82": true, "84": true, "86": true,
	"90": true, "91": true, "92": true, "93": true, "94": true, "95": true, "98": true,
}

// countryCodeLen is the length of the country code that digits start with.
func countryCodeLen(digits string) int {
	switch {
	case digits[0] == '1' || digits[0] == '7':
		return 1
	case len(digits) >= 2 && twoDigitCodes[digits[:2]]:
		return 2
	}
	return 3
}
