import { normalizeForBlocklist } from '../../shared/model/password-policy';

/**
 * Some of the most common passwords from public breach corpora (the top of the SecLists
 * "10k most common" and NCSC "100k" lists, plus the capitalised-with-digit forms that
 * pass naive class rules). Matched case-insensitively. A short list by design: it stops
 * the passwords an attacker tries first without shipping a large file.
 */
const COMMON = `
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang
1234567890 michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer
trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger
sunshine iloveyou 2000 charlie robert thomas hockey ranger daniel starwars klaster 112233
george computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777
pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer love ashley nicole
chelsea biteme matthew access yankees 987654321 dallas austin thunder taylor matrix
minecraft william corvette hello martin heather secret merlin diamond 1234qwer gfhjkm
hammer silver 222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick internet
scooter orange 11111 golfer cookie richard samantha bigdog guitar jackson whatever mickey
chicken sparky snoopy maverick phoenix camaro peanut morgan welcome falcon cowboy ferrari
samsung andrea smokey steelers joseph mercedes dakota arsenal eagles melissa boomer
booboo spider nascar monster tigers yellow xxxxxx 123123123 gateway marina diablo bulldog
qwer1234 compaq purple banana junior hannah 123654 porsche lakers iceman money
cowboys 987654 london tennis 999999 ncc1701 coffee scooby 0000 miller boston q1w2e3r4
brandon yamaha chester mother forever johnny edward 333333 oliver redsox player nikita
knight fender barney midnight please brandy chicago badboy slayer rangers charles angel
flower bigdaddy rabbit wizard jasper enter rachel chris steven winner adidas victoria
natasha 1q2w3e4r jasmine winter prince marine ghbdtn fishing cocacola casper
james 232323 raiders 888888 marlboro gandalf asdfasdf crystal 87654321 12344321 golden
8675309 eagle1 passw0rd p@ssw0rd p@ssword password1 password12 password123 password1234
password! password01 passw0rd1 qwerty1 qwerty12 qwerty123 qwerty1234 qwertyui abc12345
abcd1234 abcdef abcdefg abcdefgh a1b2c3d4 a123456 aa123456 1q2w3e4r5t 1qaz2wsx3edc
zaq12wsx zaq1zaq1 iloveyou1 iloveyou2 princess1 sunshine1 football1 baseball1 monkey1
dragon1 shadow1 master1 superman1 batman1 welcome1 welcome123 welcome2020 welcome2021
welcome2022 welcome2023 welcome2024 welcome2025 letmein1 letmein123 admin admin1 admin12
admin123 admin1234 administrator root toor changeme changeme1 changeme123 default guest
login login123 user user123 test123 test1234 testing testing123 demo demo123 secret1
secret123 summer2020 summer2021 summer2022 summer2023 summer2024 summer2025 winter2020
winter2021 winter2022 winter2023 winter2024 winter2025 spring2023 spring2024 spring2025
autumn2024 autumn2025 spring2022 fall2023 fall2024 january1 february1 march2024 april2024
monday1 friday13 hello123 hello1234 helloworld loveme lovely loveyou lovers 123abc
qweasdzxc qweasd asdf1234 asdfghjkl zxcvbnm1 1234abcd 12qwaszx 1qazxsw2 q1w2e3 qwe123
qwerty12345 football12 soccer12 baseball12 jordan23 michael1 jennifer1 jessica1 ashley1
charlie1 liverpool chelsea1 arsenal1 manchester barcelona realmadrid juventus pokemon
naruto starwars1 computer1 internet1 samsung1 iphone android google facebook linkedin
twitter microsoft apple123 company company1 company123 office office123 server server123
database secure security secure123 private access14 pa55word pa55w0rd passpass mypassword
mypass mypass123 newpass newpass123 newpassword temp temp123 temppass temp1234 1password
123password password2 password3 trustno1! qwerty! 1234567a 123456a 12345a 123456q
11223344 1122334455 147258369 147258 159357 741852963 789456 789456123 456789 654321a
`;

const BLOCKLIST: ReadonlySet<string> = new Set(COMMON.split(/\s+/).filter(Boolean).map(normalizeForBlocklist));

/** The list as GET /api/v1/policy publishes it, so the console checks what the server checks. */
export const COMMON_PASSWORDS: readonly string[] = Object.freeze([...BLOCKLIST].sort());

/** True when the password, ignoring case and surrounding spaces, is on the common-password list. */
export function isCommonPassword(password: string): boolean {
  return BLOCKLIST.has(normalizeForBlocklist(password));
}

/** How many entries the list has (for docs and tests). */
export const COMMON_PASSWORD_COUNT = BLOCKLIST.size;
