import type { Widen } from '../widen.js';
import type { en } from './sessions.js';

/** Cross-origin refusal, the signed-in sessions of a user and signing in a phone by QR code. (German) */
export const de: Widen<typeof en> = {
  crossOrigin:
    'Abgelehnt: Diese Anfrage kam von einer anderen Website ({{origin}}). Änderungen werden nur von Seiten unter {{baseUrl}} angenommen. Integrationen senden ihre Anfragen ohne Browser oder von dieser Adresse.',
  unknownOrigin: 'unbekannte Adresse',
  title: 'Wo Sie angemeldet sind',
  nav: 'Sitzungen',
  intro: 'Alle Browser und Handys, die mit Ihrem Konto angemeldet sind. Melden Sie jede ab, die Sie nicht kennen oder nicht mehr nutzen.',
  thisDevice: 'dieses Gerät',
  phone: 'Handy (QR-Code)',
  signedInAt: 'Angemeldet',
  lastSeen: 'Zuletzt aktiv',
  unknownDevice: 'Unbekannter Browser',
  device: '{{browser}} auf {{os}}',
  revoke: 'Abmelden',
  revokeLabel: '{{device}} abmelden',
  revoked: 'Die Sitzung wurde abgemeldet. Dieser Browser muss sich neu anmelden.',
  notFound: 'Diese Sitzung gibt es nicht mehr: Sie wurde abgemeldet oder ist abgelaufen.',
  none: 'Keine Sitzungen.',
  listTitle: 'Angemeldete Browser und Handys',
  phoneTitle: 'Handy anmelden',
  phoneIntro:
    'Scannen Sie diesen Code mit der Kamera des Handys und bestätigen Sie am Handy: Es öffnet MedReg mit Ihrem Konto, ohne dass Sie Ihr Passwort eingeben. Der Code gilt einmal und zwei Minuten lang. Zeigen Sie ihn nur Ihrem eigenen Handy.',
  phoneShow: 'Anmelde-Code anzeigen',
  phoneNew: 'Neuen Code anzeigen',
  phoneQrLabel: 'QR-Code zum Anmelden eines Handys',
  phoneValidFor: 'Gültig noch {{seconds}} s',
  phoneValidUntil: 'Gültig bis {{time}}',
  phoneExpired: 'Der Code ist abgelaufen. Zeigen Sie einen neuen an.',
  phoneUsed: 'Ein Handy hat sich mit diesem Code angemeldet. Es steht in der Liste unten.',
  tokenUnknown: 'Dieser Anmelde-Code ist ungültig. Zeigen Sie am Computer einen neuen Code an und scannen Sie ihn erneut.',
  tokenUsed: 'Dieser Anmelde-Code wurde bereits benutzt. Jeder Code meldet ein Handy einmal an: Zeigen Sie am Computer einen neuen Code an.',
  tokenExpired: 'Dieser Anmelde-Code ist abgelaufen (Codes gelten zwei Minuten). Zeigen Sie am Computer einen neuen Code an.',
  tokenBlocked: 'Dieses Konto ist gesperrt. Wenden Sie sich an einen Administrator.',
  qrFailedTitle: 'Anmeldung des Handys nicht möglich',
  qrToLogin: 'Mit E-Mail und Passwort anmelden',
  confirmTitle: 'Auf diesem Handy anmelden?',
  confirmText: 'Dieser Code meldet dieses Handy als {{name}} an. Fahren Sie nur fort, wenn Sie ihn gerade eben von Ihrem eigenen Bildschirm gescannt haben.',
  confirmButton: 'Als {{name}} anmelden',
  confirmOther: 'Nicht Sie? Mit E-Mail und Passwort anmelden',
};
