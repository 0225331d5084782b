// formatPhone shows a phone number as stored (E.164, "+8613800138000"), or as masked by the server
// ("+86138****8000"), the way people write it. A mainland number is written as at home, without +86: a mobile
// number in groups of 3, 4 and 4 ("138 0013 8000", "138 **** 8000"); a landline with its area code and a leading
// 0 ("010 1234 5678", "0571 8765 4321"); a 400 or 800 service number as dialled ("400 810 8888"). Another
// number keeps its + and country code, set apart by a space ("+1 4155552671"). Anything else is shown as it is.
export function formatPhone(v: string): string {
  let m = /^(?:\+86)?(1[\d*]{2})([\d*]{4})([\d*]{4})$/.exec(v)
  if (m) return `${m[1]} ${m[2]} ${m[3]}`
  m = /^\+86([48]00)([\d*]{3})(\d{4})$/.exec(v) // a national service number, dialled without a 0
  if (m) return `${m[1]} ${m[2]} ${m[3]}`
  m = /^\+86((?:10|2\d|[3-9]\d\d))([\d*]{7,8})$/.exec(v)
  if (m && /\d{4}$/.test(m[2])) {
    const s = m[2]
    const split = s.length === 8 ? 4 : 3
    return `0${m[1]} ${s.slice(0, split)} ${s.slice(split)}`
  }
  m = /^\+(\d[\d*]+)$/.exec(v)
  if (m) {
    const cc = countryCodeLength(m[1])
    if (m[1].length > cc + 3) return `+${m[1].slice(0, cc)} ${m[1].slice(cc)}`
  }
  return v
}

// The two-digit country calling codes of ITU-T E.164; 1 and 7 are the one-digit ones, every other has three.
const twoDigitCodes = new Set(['20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46',
  '47', '48', '49', '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81',
  '82', '84', '86', '90', '91', '92', '93', '94', '95', '98'])

function countryCodeLength(digits: string): number {
  if (digits[0] === '1' || digits[0] === '7') return 1
  return twoDigitCodes.has(digits.slice(0, 2)) ? 2 : 3
}
