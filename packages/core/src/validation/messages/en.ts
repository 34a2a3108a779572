/**
 * The validator's messages in English: the reference catalogue whose keys are the message ids (messages.ts). The
 * command line and the report's `errors`/`warnings` use it; ar.ts and ja.ts translate every id.
 */
export const en = {
  // Format checking (EN 319 102-1 § 5.2.2)
  "fc.signerInfoCount": "the CMS has {count} SignerInfos; a PAdES signature has exactly one",
  "fc.encapsulatedContent": "the CMS encapsulates its content; a PAdES signature is detached",
  "fc.eContentType": "the CMS eContentType is {type}, not id-data as PAdES requires",
  "fc.tokenNotTstInfo": "the time-stamp token does not encapsulate a TSTInfo",
  "fc.tokenNoTstInfo": "the time-stamp token has no TSTInfo content",
  "fc.noSignedAttributesLegacy":
    "no signed attributes: the signing certificate is not bound by the signature (legacy PKCS#7)",
  "fc.noSignedAttributes": "the SignerInfo has no signed attributes (RFC 5652 § 5.3, CAdES requires them)",
  "fc.contentTypeAttribute": "the signed attributes lack a single-valued content-type attribute (RFC 5652 § 11.1)",
  "fc.contentTypeMismatch": "the content-type attribute does not match the eContentType (RFC 5652 § 11.1)",
  "fc.messageDigestAttribute": "the signed attributes lack a single-valued message-digest attribute (RFC 5652 § 11.2)",
  "fc.duplicateAttribute": "the signed attribute {oid} appears more than once",
  "fc.signingTimeAttribute":
    "the signed attributes contain signing-time, which PAdES baseline signatures must not carry",
  "fc.signingCertificateRequired":
    "an ETSI.CAdES.detached signature must carry signing-certificate-v2 (ETSI EN 319 122-1 § 5.2.2)",
  "fc.signingCertificateMissing":
    "the signed attributes do not name the signing certificate (no signing-certificate-v2)",
  "fc.notSignedData": "the signature is not a CMS SignedData: {detail}",

  // Identification of the signing certificate (§ 5.2.3)
  "isc.notFoundBySerial":
    "the signer's certificate (serial {serial}) is neither in the signature nor among the supplied certificates",
  "isc.notFoundByKeyId":
    "the signer's certificate (key identifier {keyId}) is neither in the signature nor among the supplied certificates",
  "isc.attributeUnreadable": "the signing-certificate attribute is unreadable: {detail}",
  "isc.hashMismatch": "the signing-certificate-v2 attribute's certificate hash does not match the signer's certificate",
  "isc.issuerSerialMismatch":
    "the signing-certificate-v2 attribute's issuer and serial do not match the signer's certificate",

  // Cryptographic verification (§ 5.2.7)
  "cv.digestUnsupported": "unsupported digest algorithm {oid}: the signature cannot be checked",
  "cv.hashFailure": "the signed content has been altered: its digest does not match the message-digest attribute",
  "cv.algorithmUnsupported": "{detail}: the signature cannot be checked",
  "cv.signatureFailure": "the signature value does not verify with the signer's public key",
  "cv.contentUnavailable":
    "the signature has no signed attributes and the signed content is not available to verify it",
  "cv.hashMismatch": "the signature algorithm's hash {signatureHash} differs from the digest algorithm {digestHash}",
  "cv.contentSignatureFailure":
    "the signature value does not verify over the signed content with the signer's public key (content altered or wrong signature)",

  // X.509 validation (§ 5.2.6)
  "role.signerCertificate": "the signer's certificate",
  "role.tsaCertificate": "the TSA certificate",
  "role.caCertificate": "CA certificate {subject}",
  "xcv.noPath":
    "no certification path from {subject} to a trust anchor (issuer {issuer} is neither trusted nor reachable)",
  "xcv.unknownCriticalExtension": "{role} has a critical extension this validator does not recognise ({oids})",
  "xcv.backDated": "the signature existed at {time}, before {role} was issued",
  "xcv.notYetValid": "{role} is not valid before {notBefore}",
  "xcv.signedAfterExpiry": "the signature was made after {time}, when {role} had expired ({notAfter})",
  "xcv.expiredNoPoe": "{role} expired on {notAfter} and nothing proves the signature existed before that",
  "xcv.onHold":
    "{role} is suspended (certificateHold since {since}); validate again when the suspension is lifted or made final",
  "xcv.revoked": "{role} was revoked on {at}",
  "xcv.revokedBeforeSigning":
    "{role} was revoked on {at}, and a content time-stamp proves the signature was made after it ({signedAfter})",
  "xcv.revokedBeforePoe":
    "{role} was revoked on {at}, before the signature was proven to exist ({poe}), and nothing proves it was made before the revocation",
  "xcv.revokedNoPoe": "{role} was revoked on {at} and nothing proves the signature existed before that",
  "xcv.revokedAfterPoe": "{role} was revoked on {at}, after the signature was proven to exist",
  "xcv.noRevocationData": "no usable revocation data for {role} ({subject})",
  "xcv.noRevocationSources":
    "no usable revocation data for {role} ({subject}): it names no OCSP responder or CRL, so revocation cannot be checked",
  "xcv.nameConstraints": "{subject}: {why} (name constraints of {ca})",
  "xcv.notCa": "{subject} issues certificates but is not a CA (basicConstraints)",
  "xcv.noKeyCertSign": "{subject} may not sign certificates (keyUsage lacks keyCertSign)",
  "xcv.pathLength": "{subject} allows {allowed} CA certificates below it, the path has {actual}",
  "xcv.notTsa": "{subject} is not a time-stamping certificate (no id-kp-timeStamping)",
  "xcv.noDigitalSignature":
    "{subject} may not sign documents (keyUsage has neither digitalSignature nor nonRepudiation)",

  // Name constraints (RFC 5280 § 6.1.3)
  "names.unsupportedForm":
    "a name constraint of a form that is not evaluated (otherName, x400Address, ediPartyName, registeredID)",
  "names.notPermitted": "the {form} {name} is outside the issuing CA's permitted subtrees",
  "names.excluded": "the {form} {name} is in a subtree the issuing CA excludes",
  "names.form.subjectName": "subject name",
  "names.form.email": "e-mail address",
  "names.form.dns": "DNS name",
  "names.form.uri": "URI",
  "names.form.ip": "IP address",

  // Revocation data
  "rev.tooOld": "the revocation data for {subject} is too old for {time}",
  "rev.ocspUnreadable": "an OCSP response is unreadable and was ignored",
  "rev.ocspAlgorithm": "an OCSP response for {subject} uses {detail}",
  "rev.ocspNotAuthorised": "an OCSP response for {subject} is not signed by its issuer or an authorised responder",
  "rev.crlUnreadable": "a CRL is unreadable and was ignored",
  "rev.crlSignature": "a CRL naming {issuer} as issuer does not verify with its key",
  "rev.crlProblem": "a CRL of {issuer}: {detail}",
  "rev.crlNoCrlSign": "{issuer} may not sign CRLs (keyUsage lacks cRLSign)",
  "rev.ocspNoAnswer": "the OCSP responder {url} gave no usable answer for {subject}",
  "rev.ocspUnreachable": "the OCSP responder {url} could not be reached: {detail}",
  "rev.crlNotForCertificate": "the CRL at {url} does not speak for {subject}",
  "rev.crlUnreachable": "the CRL at {url} could not be fetched: {detail}",

  // Cryptographic constraints (§ 5.2.8)
  "what.signature": "the signature",
  "what.timestamp": "the time-stamp",
  "sav.sha1": "{what} uses SHA-1, which is no longer accepted",
  "sav.weakKey": "{what} is made with {key}",
  "sav.certificateAlgorithm": "the certificate {subject} is signed with {algorithm}",
  "sav.certificateWeakIssuerKey": "the certificate {subject} is signed by {key}",
  "key.rsaTooShort": "an RSA key of {bits} bits (at least {minimum} required)",
  "key.curve": "an elliptic curve key on {curve}",
  "key.unnamedCurve": "an elliptic curve key on an unnamed curve",
  "key.unsupported": "a key of an unsupported type",
  "key.unreadable": "an unreadable public key",

  // Time-stamps
  "ts.notSignedData": "the time-stamp token is not a CMS SignedData: {detail}",
  "ts.tstInfoUnreadable": "the time-stamp token's TSTInfo is unreadable: {detail}",
  "ts.imprintHashUnsupported": "the time-stamp uses an unsupported imprint hash {oid}",
  "ts.imprintMismatch": "the time-stamp's message imprint does not match the data it claims to stamp",
  "ts.imprintSha1": "the time-stamp's message imprint uses SHA-1",
  "ts.inFuture": "the time-stamp claims a time ({time}) after the validation time",
  "ts.invalid": "invalid",
  "ts.signatureTimestampUnusable": "the signature time-stamp cannot serve as proof of existence: {reason}",
  "ts.contentTimestampUnusable": "the content time-stamp cannot bound the signing time: {reason}",
  "ts.order": "the content time-stamp ({content}) is later than the signature time-stamp ({signature})",

  // Certificates read along the way
  "warn.unreadableCertificate": "an unreadable certificate in {where} was ignored: {detail}",
  "where.cms": "the CMS",
  "where.dss": "the DSS",
  "where.trustAnchors": "the trust anchors",
  "validation.internalError": "validation could not complete: {detail}",

  // Placement of the signature in the PDF (ISO 32000 § 12.8)
  "pdf.legacyRsaSha1":
    "the signature uses /SubFilter adbe.x509.rsa_sha1, a legacy format (PKCS#1 with SHA-1) that this validator does not support; PAdES signatures use ETSI.CAdES.detached or adbe.pkcs7.detached",
  "pdf.byteRangeShape": "the /ByteRange is not four non-negative integers",
  "pdf.byteRangeStart": "the /ByteRange does not start at the beginning of the file",
  "pdf.byteRangeOrder": "the /ByteRange ranges overlap or are out of order",
  "pdf.byteRangePastEnd": "the /ByteRange reaches past the end of the file",
  "pdf.dictionaryUnsigned": "the signature dictionary lies outside the bytes it signs",
  "pdf.partialRevision": "the signed bytes do not end at the end of a revision",
  "pdf.gapNotHexString": "the gap in the /ByteRange is not exactly the /Contents hex string",
  "pdf.gapLength": "the gap in the /ByteRange does not match the length of /Contents",
  "pdf.gapNotContents": "the gap in the /ByteRange is not this signature's /Contents",
  "pdf.fieldNotInSignedRevision": "the signed revision does not contain this signature field",
  "pdf.signedRevisionUnreadable": "the signed revision cannot be read: {detail}",

  // The file as a whole
  "file.repaired": "the file's cross-reference data is damaged; its objects were found by scanning, as viewers do",
  "file.noSignatures": "the document has no signatures",

  // Modification analysis: how a finding is reported
  "mod.changed": "changed after signing: {reason}",
  "mod.changedAllowed": "changed after signing ({level}): {reason}",
  "level.NONE": "no changes",
  "level.LTA_UPDATES": "long-term validation data",
  "level.FORM_FILLING": "form filling",
  "level.ANNOTATIONS": "annotations",
  "level.OTHER": "other changes",
  "mod.inRevision": "revision {revision} after signing: {reason}",
  "mod.inRevisionNotPermitted":
    "revision {revision} after signing: {reason} — not permitted by the certification signature (DocMDP P={p})",
  "how.added": "added",
  "how.removed": "removed",
  "how.changed": "changed",

  // Modification analysis: revisions
  "mod.laterRevisionsUnreadable": "the revisions after the signature cannot be read: {detail}",
  "mod.laterXrefDamaged": "the cross-reference data after the signature is damaged (the file needs repair)",
  "mod.isaChain":
    "incremental saving attack: the newest cross-reference chain (/Prev) does not lead back to the signed revision",
  "mod.isaNoXref":
    "incremental saving attack: objects were appended after the signed revision without a cross-reference section",
  "mod.revisionUnreadable": "the revision cannot be analysed: {detail}",

  // Modification analysis: trailer and catalog
  "mod.encryptChanged": "the encryption dictionary (/Encrypt) was changed",
  "mod.infoReplaced": "the document information dictionary (/Info) was replaced",
  "mod.rootReused": "the document catalog (/Root) now points to object {num}, used differently before",
  "mod.catalogMissing": "the document catalog is missing or unreadable in the later revision",
  "mod.catalogKey": "the catalog /{key} was {how}",
  "mod.catalogKeyExplained": "the catalog /{key} ({why}) was {how}",
  "mod.catalogKeyReused": "the catalog /{key} now points to object {num}, used differently before",
  "catalog.OpenAction": "an action run when the document opens",
  "catalog.AA": "actions run on document events",
  "catalog.Names": "the name trees (JavaScript, embedded files, destinations)",
  "catalog.OCProperties": "which optional content is shown (shadow hide/replace)",
  "catalog.Pages": "the page tree",
  "catalog.Perms": "the document permissions",
  "catalog.Outlines": "the bookmarks",
  "catalog.Lang": "the document language",
  "catalog.ViewerPreferences": "how viewers present the document",
  "catalog.Collection": "a portable collection (shows attachments instead of the document)",
  "mod.dssNotDictionary": "the catalog /DSS is not a dictionary",
  "mod.dss": "the document security store (/DSS) was {how}",
  "mod.metadata": "the document metadata stream was {how}",
  "mod.metadataNotStream": "the catalog /Metadata is not an indirect metadata stream",

  // Modification analysis: objects rewritten in place
  "mod.tooManyObjects": "the revision rewrites more than {max} objects",
  "mod.objectRewrittenUnknown": "object {num} was rewritten; the signed revision is too large to tell what it was",
  "mod.objectDeleted": "object {num} ({path}) was deleted",
  "mod.objectUnreadable": "object {num} ({path}) cannot be read: {detail}",
  "mod.objectDefinedLater": "object {num} ({path}) was undefined when signed and is defined later",
  "mod.objectChanged": "{path} (object {num}) was changed",
  "mod.updated": "{path} was updated",
  "mod.objectUpdated": "{path} (object {num}) was updated",
  "mod.signatureDictionaryRewritten": "the signature dictionary of {path} was rewritten",
  "mod.objectRewritten": "{path} (object {num}) was rewritten",
  "mod.objectRewrittenHint": "{path} (object {num}) was rewritten — {hint}",
  "hint.optionalContent": "optional content visibility (shadow hide/replace)",
  "hint.pageContent": "page content (incremental saving attack)",
  "hint.resource": "a font, image or other resource (shadow replace)",

  // Modification analysis: appearances and who else uses an object
  "mod.signedAppearanceRewritten": "{path} of a signed signature field was rewritten",
  "mod.sharedRewritten": "{path} (object {num}) was rewritten as form filling, but it is shared with {sharedWith}",
  "mod.overlay":
    "{path} (object {num}) was rewritten but the field's value (/V) stayed the same: it would show what the signer never approved (shadow attack: replace via overlay)",
  "mod.appearanceFilled": "{path} was rewritten (form filling)",
  "shared.tooMany": "too many objects to tell who else uses it",
  "shared.unindexed": "unknown objects (the signed revision is too large to index)",
  "shared.trailer": "the trailer {path}",
  "shared.field": "{field} {path}",
  "shared.noField": "no form field (it is not reached through a field's /AP or /V)",
  "shared.object": "{path} (object {num})",
  "shared.widget": "a widget (object {num})",
  "shared.bareObject": "object {num}",
  "shared.more": "{count} more",
  "shared.several": "several fields or widgets ({names})",

  // Modification analysis: the form
  "mod.acroFormRemoved": "the interactive form (/AcroForm) was removed",
  "mod.acroFormKey": "the interactive form's /{key} was {how}",
  "mod.fieldRemoved": "field '{field}' was removed from the form",
  "mod.fieldsReused": "the form's field list now includes object {num}, used differently before",
  "mod.tooManyFields": "too many new form fields to examine",
  "mod.newField": "a new form field '{field}' of type /{type} was added",
  "mod.newSignatureNotDictionary": "the new signature field '{field}' has a value that is not a signature dictionary",
  "mod.newSignatureReused":
    "the new signature field '{field}' reuses an object of the signed revision as its signature",
  "mod.newSignatureWidgetReused":
    "the new signature field '{field}' uses an annotation of the signed revision as its widget",
  "mod.newSignatureActions": "the new signature field '{field}' carries actions (/A or /AA)",
  "added.emptySignatureField": "an empty signature field",
  "added.signature": "a signature",
  "added.documentTimestamp": "a document time-stamp",
  "mod.signatureAdded": "{what} was added in new field '{field}'",
  "mod.signatureAddedVisible": "{what} was added in new field '{field}' with a visible appearance",
  "mod.noLongerField": "{path} is no longer a form field",
  "mod.fieldKey": "{path}: /{key} was {how}",
  "mod.fieldFlags": "{path}: /{key} was {how} (annotation flags: hidden, no view…)",
  "mod.signedFieldKey": "{path} already holds a signature; its /{key} was {how}",
  "mod.fieldOverlay":
    "{path}: /{key} was {how} but the field's value (/V) stayed the same: it would show what the signer never approved (shadow attack: replace via overlay)",
  "mod.signatureValueNotNew": "{path}: the signature value was set to something that is not a new signature",
  "mod.fieldSigned": "{path} was signed",
  "mod.fieldTimestamped": "{path} was signed (document time-stamp)",
  "mod.readOnlyValue": "{path} is read-only but its value was {how}",
  "mod.fieldFilled": "{path}: /{key} was {how} (form filling)",
  "mod.lockedField": "{path} is locked by a signature (FieldMDP) but its /{key} was {how}",
  "mod.lockedFieldPart":
    "{path} (object {num}) belongs to field '{field}', which a signature locks (FieldMDP), and was rewritten",

  // Modification analysis: the logical structure
  "mod.structTreeRoot": "the catalog /StructTreeRoot (the logical structure) was {how}",
  "mod.structureChanged": "the logical structure (/StructTreeRoot) was changed: {problems}",
  "mod.structureTagsWidget": "the logical structure gained elements tagging the new signature widget",
  "mod.structureObjectChanged": "{path} (object {num}) was changed: {problems}",
  "mod.structureObjectTagsWidget": "{path} (object {num}) gained elements tagging the new signature widget",
  "struct.root": "the structure tree root",
  "struct.element": "a structure element",
  "struct.nextKeyBack": "/ParentTreeNextKey went back",
  "struct.key": "/{key} was {how}",
  "struct.rewritten": "rewritten",
  "struct.tooManyKids": "{what} has too many kids",
  "struct.foreignKid": "{what} gained a kid that does not only tag a new signature widget",
  "struct.kidsReordered": "{what} lost or reordered kids",
  "struct.parentTreeRemoved": "/ParentTree was removed",
  "struct.parentTreeReused": "/ParentTree now points to an object used differently before",
  "struct.parentTreeKey": "/ParentTree /{key} was {how}",
  "struct.parentTreeMalformed": "/ParentTree /Nums is malformed",
  "struct.parentTreeEntryChanged": "/ParentTree entry {key} was changed",
  "struct.parentTreeEntryForeign": "/ParentTree entry {key} was added for something other than a new signature widget",
  "struct.parentTreeEntryRemoved": "/ParentTree entry {key} was removed",

  // Modification analysis: pages and annotations
  "mod.pageTreeBroken": "the page tree of the later revision is broken: {detail}",
  "mod.pageCount": "the number of pages changed from {before} to {after}",
  "mod.pageReplaced": "page {page} was replaced by a different page object ({num})",
  "mod.pageUnreadable": "page {page} is unreadable in the later revision",
  "mod.pageKeyWithWidget": "page {page}: /{key} was added with a new signature widget ({why})",
  "mod.pageKey": "page {page}: /{key} was {how}",
  "page.structParents": "its key into the structure parent tree",
  "page.tabs": "the tab order of its annotations",
  "mod.tooManyAnnotations": "page {page} has more than {max} annotations",
  "mod.annotationRemoved": "page {page}: a /{subtype} annotation was removed",
  "mod.annotationUnreadable": "page {page}: an unreadable annotation was added",
  "mod.strayWidget": "page {page}: a widget that belongs to no new signature field was added",
  "mod.annotationReused": "page {page}: an annotation was added that is an existing object ({where})",
  "mod.annotationReusedElsewhere":
    "page {page}: an annotation was added that is an existing object (another part of the document)",
  "mod.annotationNotMarkup": "page {page}: a /{subtype} annotation was added (not a markup annotation)",
  "mod.annotationActions": "page {page}: a /{subtype} annotation with actions (/A or /AA) was added",
  "mod.annotationAdded": "page {page}: a /{subtype} annotation was added",
  "mod.annotationAddedVisible": "page {page}: a /{subtype} annotation was added drawing its own appearance over {rect}",
  "mod.annotationPartRewritten": "{path} was rewritten",
  "mod.annotationRewrittenRisky": "{path} was rewritten into a /{subtype} annotation or gained actions",
  "mod.annotationChanged": "{path} (/{subtype}) was changed: {keys}",
  // Where in the PDF an object sat (diff/roles.ts)
  "loc.catalog": "the document catalog",
  "loc.info": "the document information dictionary (/Info)",
  "loc.pageTree": "the page tree",
  "loc.acroForm": "the interactive form (/AcroForm)",
  "loc.dss": "the document security store (/DSS)",
  "loc.metadata": "the document metadata stream",
  "loc.perms": "the document permissions (/Perms)",
  "loc.structTree": "the logical structure (/StructTreeRoot)",
  "loc.catalogKey": "the catalog /{key}",
  "loc.pageTreeNode": "a page tree node",
  "loc.page": "page {page}",
  "loc.inherited": "the page tree /{key} (inherited by pages)",
  "loc.key": "{base} /{key}",
  "loc.item": "{base}[{index}]",
  "loc.annotation": "{base} annotation {index}",
  "loc.field": "field '{name}'",
  "loc.formField": "a form field",
  "loc.signature": "{base} signature",
  "loc.appearance": "{base} appearance",
  "xcv.noRevocationDataCa": "no usable revocation data for {role}",
  "xcv.noRevocationSourcesCa":
    "no usable revocation data for {role}: it names no OCSP responder or CRL, so revocation cannot be checked",
} as const;
