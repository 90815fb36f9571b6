"""Free-mail domains: an address there says nothing about the person's company (scoring, identity, models)."""

from __future__ import annotations

from collections.abc import Iterable

# Addresses at these domains say nothing about the company: they never match an account.
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.es yahoo.it yahoo.co.in
    ymail.com rocketmail.com hotmail.com hotmail.co.uk hotmail.fr hotmail.de hotmail.it hotmail.es
    outlook.com outlook.fr outlook.de live.com live.co.uk live.fr msn.com aol.com aim.com icloud.com
    me.com mac.com mail.com gmx.com gmx.de gmx.net gmx.at gmx.ch web.de t-online.de freenet.de
    protonmail.com proton.me pm.me tutanota.com tuta.io zoho.com zohomail.com yandex.com yandex.ru
    mail.ru bk.ru inbox.ru list.ru rambler.ru qq.com 163.com 126.com sina.com sohu.com naver.com daum.net
    hanmail.net orange.fr wanadoo.fr free.fr laposte.net sfr.fr libero.it virgilio.it tiscali.it alice.it
    btinternet.com sky.com virginmedia.com ntlworld.com talktalk.net comcast.net verizon.net att.net
    sbcglobal.net bellsouth.net cox.net charter.net earthlink.net optonline.net shaw.ca rogers.com
    sympatico.ca bigpond.com optusnet.com.au rediffmail.com seznam.cz wp.pl o2.pl onet.pl interia.pl
    hushmail.com fastmail.com fastmail.fm hey.com mailinator.com guerrillamail.com yopmail.com
    """.split()  # noqa: SIM905 - a word list reads better than 130 quoted strings
)


def free_mail_domains(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The built-in list plus the playbook's `scoring.free_mail_domains`, lower case and sorted."""
    return tuple(sorted(FREE_MAIL_DOMAINS | {d.strip().lower() for d in extra if d.strip()}))
