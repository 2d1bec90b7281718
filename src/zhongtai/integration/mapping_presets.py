"""Shipped field mappings for two common shapes of platform order push (see
docs/integration-erp-crm-ecommerce.md for example payloads). A source names one with
``{"mapping": "tmall"}`` or carries a whole mapping object instead."""

from __future__ import annotations

from typing import Any

# A Tmall/Taobao-like push: one message per body, the trade under "content", money in yuan strings,
# Beijing-time timestamps, the topic names the event.
TMALL: dict[str, Any] = {
    "description": "Tmall/Taobao-like trade messages (one per body; money in yuan; Beijing time)",
    "platform": "tmall",
    "events": "",
    "fields": {
        "event_id": "msg_id",
        "event": "topic",
        "order_id": "content.tid",
        "occurred_at": "pub_time",
        "mode": "content.shipping_type",
        "store_code": "content.store_code",
        "buyer_id": "content.buyer_open_uid",
        "reason": "content.close_reason",
        "contact.name": "content.receiver_name",
        "contact.phone": "content.receiver_mobile",
        "contact.address": "content.receiver_address",
        "contact.latitude": "content.receiver_lat",
        "contact.longitude": "content.receiver_lng",
        "lines[].sku_code": "content.orders[].outer_sku_id",
        "lines[].quantity": "content.orders[].num",
        "payment.transaction_id": "content.alipay_no",
        "payment.amount_fen": "content.payment",
    },
    "values": {
        "event": {"taobao_trade_TradeCreate": "created", "taobao_trade_TradeBuyerPay": "paid",
                  "taobao_trade_TradeClose": "cancelled", "taobao_refund_RefundSuccess": "refunded",
                  "taobao_trade_TradeRated": "ignore", "taobao_trade_TradeMemoModified": "ignore"},
        "mode": {"express": "ship", "o2o_delivery": "delivery", "store_pickup": "pickup"},
    },
    "transforms": {"occurred_at": "datetime_cn", "payment.amount_fen": "yuan_to_fen"},
    "defaults": {"mode": "ship", "payment.provider": "alipay"},
}

# A JD-like push: a batch of notifications per body, numeric order ids, epoch-millisecond times,
# money in fen, the payment method named by the platform.
JD: dict[str, Any] = {
    "description": "JD-like notification batches (many per body; money in fen; epoch milliseconds)",
    "platform": "jd",
    "events": "notifications",
    "fields": {
        "event_id": "id",
        "event": "type",
        "order_id": "orderId",
        "occurred_at": "time",
        "mode": "order.deliveryType",
        "store_code": "order.storeCode",
        "buyer_id": "order.pin",
        "reason": "cancelReason",
        "contact.name": "order.consignee.fullname",
        "contact.phone": "order.consignee.mobile",
        "contact.address": "order.consignee.fullAddress",
        "contact.latitude": "order.consignee.latitude",
        "contact.longitude": "order.consignee.longitude",
        "lines[].sku_code": "order.itemInfoList[].outerSkuId",
        "lines[].quantity": "order.itemInfoList[].itemTotal",
        "payment.provider": "payment.payType",
        "payment.transaction_id": "payment.payId",
        "payment.amount_fen": "payment.payAmount",
    },
    "values": {
        "event": {"ORDER_CREATE": "created", "ORDER_PAY": "paid", "ORDER_CANCEL": "cancelled",
                  "ORDER_REFUND": "refunded", "ORDER_COMMENT": "ignore"},
        "mode": {"JD_EXPRESS": "ship", "JD_DAOJIA": "delivery", "STORE_PICKUP": "pickup"},
        "payment.provider": {"WECHAT": "wechat_pay", "ALIPAY": "alipay", "JDPAY": "card", "UNIONPAY": "card"},
    },
    "transforms": {"occurred_at": "epoch_ms", "payment.amount_fen": "fen"},
    "defaults": {"mode": "ship"},
}

PRESETS: dict[str, dict[str, Any]] = {"tmall": TMALL, "jd": JD}
