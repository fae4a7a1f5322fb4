"""Whether a message reports a change to the system, the usual trigger of an incident.

Outages mostly follow something someone or something *did*: a deploy or version roll-out, a
config reload, a job, backup or cron run starting, a restart, a failover or leader change, a
clock step, a certificate nearing expiry, a feature flag flip, scaling, a schema migration.
Writers word these events alike whatever the system, so one vocabulary of kinds serves every
log; the ranking in `logcore.findings` also asks that the line be rare, so "request started"
repeated all day is never a change.
"""

from __future__ import annotations

import re

_MAX_CHARS = 1000

# (kind, pattern), the more specific kinds first; matched case-insensitively on word boundaries.
_KINDS: tuple[tuple[str, str], ...] = (
    ("deploy", r"deploy(?:ed|ing|ments?)|deploy (?:of|to|start\w*|finish\w*|complete\w*|version|v?\d|release|build)"
               r"|roll(?:ed|ing)?[ -]?out|rolling update|releas(?:e|ed|ing) v?\d"
               r"|upgrad(?:e|ed|ing)|downgrad(?:e|ed|ing)|rollback|rolled back|new version|image \S+:\S+"),
    ("config change", r"config(?:uration)?s? (?:reload(?:ed)?|chang(?:e|ed)|updat(?:e|ed)|appl(?:y|ied)|push(?:ed)?)"
                      r"|reload(?:ed|ing)? (?:config(?:uration)?|settings|rules|policy|policies)"
                      r"|(?:setting|parameter|option|limit|quota|threshold|timeout) \S+ (?:changed|set|updated)"
                      r"|hot[- ]reload|reloaded|(?<!not )(?:set|changed) (?:from|to) |switch(?:ed|ing) (?:\S+ ){0,3}to "
                      r"|(?:split|weights?|routing|routes?|rules?|polic(?:y|ies)|settings?|parameters?|thresholds?"
                      r"|limits?|quotas?) (?:\S+ ){0,2}(?:updated|changed|applied|modified|set to)"
                      r"|now using|using new|pointing (?:\S+ )?to"),
    ("feature flag", r"feature[ _-]?flag|flag \S+ (?:set|enabled|disabled|turned)|toggl(?:e|ed)"),
    ("schema migration", r"migrat(?:e|ed|ing|ion)s?|schema (?:change|update|version)|alter table|reindex(?:ing)?"),
    ("failover", r"fail(?:ed)?[ -]?over|switch(?:ed|ing)?[ -]?over|promot(?:e|ed|ing)|demot(?:e|ed|ing)"
                 r"|(?:new|elected|became|becoming|lost) (?:the )?(?:leader|primary|master)|leader election"
                 r"|re-?elect(?:ed|ion)|took over|failback|transition(?:ed|ing)? to (?:active|standby|primary|leader)"
                 r"|(?:acknowledg\w*|now|new) (?:the )?active"),
    ("clock change", r"clock (?:step|jump|skew|drift|chang|adjust|set)\w*|time (?:step|jump|changed|adjusted|set back)"
                     r"|leap second|(?:system|wall) (?:time|clock) (?:changed|set|stepped|jumped)"),
    ("certificate expiry", r"certificates?|cert (?:expir|renew)\w*|x\.?509|tls handshake|expir(?:e|es|ed|y|ing)"
                           r"|renew(?:al|ed|ing)"),
    ("scaling", r"scal(?:e|ed|ing) (?:up|down|out|in|to)|autoscal\w*|replicas?\b|resiz(?:e|ed|ing)"
                r"|(?:added|removed|adding|removing) (?:node|instance|worker|replica|shard|broker|member)s?"
                r"|rebalanc\w*|evict(?:ed|ing|ion)"),
    ("restart", r"re-?start(?:ed|ing|s)?|reboot(?:ed|ing)?|respawn\w*|shut(?:ting)? ?down|stopp(?:ed|ing)"
                r"|(?:process|service|daemon|server|container|pod) (?:start|exit|kill)\w*|sigterm|sighup|sigkill"),
    ("job start", r"(?:job|task|cron|backup|snapshot|export|import|batch|compaction|vacuum|sync|rotation|cleanup"
                  r"|maintenance|scan|rebuild|index(?:ing)?|dump|replication|purge|flush|workers?)\w*\b[^.;]{0,60}?"
                  r"\b(?:start(?:ed|ing|s)?|began|begin(?:s|ning)?|launch(?:ed)?|trigger(?:ed)?|kick(?:ed)? off"
                  r"|running|executing|spawn(?:ed)?)\b"
                  r"|\b(?:start(?:ed|ing)?|began|launch(?:ed|ing)?|trigger(?:ed|ing)?|running|executing|scheduled)"
                  r"\b[^.;]{0,40}?\b(?:job|task|cron|backup|snapshot|export|import|batch|compaction|vacuum|sync"
                  r"|rotation|cleanup|maintenance|scan|rebuild|reindex|dump|purge|gc)"
                  r"|cron job|garbage collect\w*|full gc"),
    ("start", r"start(?:ed|ing)|launch(?:ed|ing)|initiat(?:ed|ing)|enabl(?:ed|ing)|disabl(?:ed|ing)|mount(?:ed|ing)"
              r"|unmount(?:ed|ing)|applied|activat(?:ed|ing)|opened|connected to|switched|changed|updated"),
)
_PATTERNS = tuple((kind, re.compile(rf"\b(?:{pattern})", re.IGNORECASE)) for kind, pattern in _KINDS)
# How strongly each kind alone says "something was changed" (0..1); plain "started" is weak.
STRENGTH = {kind: 1.0 for kind, _ in _KINDS} | {"start": 0.45, "restart": 0.85, "certificate expiry": 0.8}


def change_kind(message: str) -> str | None:
    """The kind of change `message` reports ("deploy", "config change", "job start", ...), or None."""
    head = message[:_MAX_CHARS]
    for kind, pattern in _PATTERNS:
        if pattern.search(head):
            return kind
    return None
