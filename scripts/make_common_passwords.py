"""Writes knowledge/accounts/data/common_passwords.txt: passwords people pick first.

Origin, honestly: this list is NOT taken from a breach corpus. It was written for this
project from the patterns that every published analysis of leaked passwords shows at the
top (keyboard runs, "password" and its translations, names, seasons, clubs, places and pets,
each followed by a year, "123" or "!"), with Swedish words added because the users are
Swedish civil servants ("sommar2024", "hejhej123", "lösenord"). Rerun after editing the
words below: `python scripts/make_common_passwords.py`.
"""
from __future__ import annotations

from pathlib import Path

BASES = """
password passw0rd p@ssword p@ssw0rd lösenord losenord l0senord losen lösen passord
qwerty qwertyuiop qwertz azerty asdfgh asdfghjkl zxcvbnm qazwsx 1qaz2wsx qweasd qweasdzxc
abc abcd abcdef abcdefg abcdefgh abc123 iloveyou jagälskardig jagalskardig älskardig alskardig
admin administrator admin123 root toor welcome välkommen valkommen letmein login logga
master monkey dragon shadow sunshine princess football baseball soccer hockey fotboll
superman batman trustno1 starwars pokemon minecraft fortnite hello hallå hej hejhej hejsan
tjena tjenare tjabba godmorgon godnatt secret hemlig hemligt hemlis test test123 testtest
demo guest gäst gast user användare anvandare changeme bytmig byt ändramig default
sommar vinter vår var höst host sommaren vintern hösten våren midsommar jul julafton påsk
januari februari mars april maj juni juli augusti september oktober november december
måndag tisdag onsdag torsdag fredag lördag söndag
stockholm sverige sweden svenska göteborg goteborg malmö malmo uppsala västerås örebro
linköping solna sundbyberg nacka huddinge järva jarva rinkeby kista tensta husby spånga
farsta skärholmen skarholmen bromma södermalm sodermalm kungsholmen östermalm ostermalm
norrmalm vasastan hammarby aik djurgården djurgarden dif bajen gnaget blåvitt ifk ifkgöteborg
polis polisen polis112 stadshuset kommunen staden stockholmsstad trygghet brott
kalle anna erik lars karl johan per nils jan olof maria eva karin kristina lena sara emma
elsa alice maja ella wilma olivia astrid ebba freja lisa johanna sofia linnea ida hanna
william liam noah hugo oscar lucas elias oliver alexander adam axel leo vincent filip viktor
anders mikael peter thomas daniel fredrik magnus jonas martin andreas stefan mattias henrik
sven gustav olle pelle nisse lasse janne micke jonte kicki lotta pippi emil
katt katten hund hunden kisse misse fido bamse snobben tiger lejon häst hast ponny
fisk fågel kanin kaninen musse mamma pappa mormor morfar farmor farfar familjen barnen
kärlek karlek älskling alskling hjärta hjarta sötnos sotnos gullet gubben gumman
volvo saab ikea ericsson spotify abba roxette zlatan ronaldo messi beckham
computer dator internet google facebook instagram tiktok netflix youtube microsoft apple
samsung iphone android windows linux ubuntu office outlook teams intranet
summer winter spring autumn christmas easter monday friday weekend holiday
london paris berlin newyork london2012 chelsea arsenal liverpool manchester barcelona
michael jennifer jessica ashley amanda joshua matthew andrew charlie thomas george harry
love lovely loveme lover baby babygirl angel angels flower sunflower rainbow butterfly
cheese chocolate coffee kaffe fika kanelbulle semla glass godis choklad pizza hamburgare
blue blå bla red röd rod green grön gron black svart white vit yellow gul purple lila
whatever nothing freedom forever friends family money pengar rich rik cash lucky tur
killer hacker ninja pirate wizard warrior legend champion winner loser
qwerty123 qwerty1 1q2w3e4r 1q2w3e 1q2w3e4r5t zaq12wsx zaq1zaq1 q1w2e3r4 a1b2c3d4
aaaaaa aaaaaaaa aaaaaaaaaa abcabc abcabcabc 1a2b3c 123abc 123qwe 123asd asd123 qwe123
""".split()

RUNS = """
123456 1234567 12345678 123456789 1234567890 12345678910 0123456789 987654321 9876543210
111111 1111111 11111111 1111111111 000000 00000000 0000000000 121212 123123 123123123
112233 11223344 123321 654321 666666 696969 777777 7777777 888888 999999 5555555555
1234512345 1212121212 1122334455 2222222222 3333333333 1231231234 147258369 159753
""".split()

SUFFIXES = ["", "1", "12", "123", "1234", "12345", "!", "123!"]
YEARS = [str(y) for y in range(1960, 2031)]


def variants() -> list[str]:
    seen: dict[str, None] = {}
    for base in BASES:
        for suffix in SUFFIXES:
            seen.setdefault(base + suffix)
        for year in YEARS[-8:]:  # the years people are most likely to type now
            seen.setdefault(base + year)
        seen.setdefault(base + base)
    for year in YEARS:
        for word in ("sommar", "vinter", "hosten", "hösten", "våren", "varen", "jul",
                     "password", "lösenord", "losenord", "stockholm", "welcome", "välkommen",
                     "hejhej", "hej", "summer", "winter"):
            seen.setdefault(word + year)
            seen.setdefault(word + year[2:])
    for run in RUNS:
        seen.setdefault(run)
    return sorted(seen)


def main() -> None:
    target = Path(__file__).resolve().parent.parent / "knowledge" / "data" / \
        "common_passwords.txt"
    header = ("# Common passwords, one per line, lower case. Generated by "
              "scripts/make_common_passwords.py\n# from patterns seen at the top of published "
              "password-leak analyses, with Swedish words added.\n# Not a copy of any breach "
              "corpus; see the script for how it was made.\n")
    target.write_text(header + "\n".join(variants()) + "\n", encoding="utf-8")
    print(f"{target}: {len(variants())} passwords")


if __name__ == "__main__":
    main()
